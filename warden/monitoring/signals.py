"""Hooks other areas listen to: the incident log opens triage for stored violations."""

from django.dispatch import Signal

# Sent with school=..., violation_ids=[...] inside the transaction that stores a chunk's
# violations, so a chunk is never stored without whatever its listeners open for it.
violations_stored = Signal()
