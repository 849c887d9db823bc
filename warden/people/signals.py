"""Hooks other areas listen to (accounts set removal deadlines when someone is leaving)."""

from django.dispatch import Signal

# Sent inside the service's transaction with person=..., leaving_date=..., actor=...
person_leaving = Signal()

# Sent inside the service's transaction with school=..., person_ids=[...] when people are
# added or changed, or their parent links are (once per MIS import, for everyone it
# changed): areas that keep derived data about people (agreement standings) refresh it.
people_changed = Signal()
