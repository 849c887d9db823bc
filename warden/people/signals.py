"""Hooks other areas listen to (accounts set removal deadlines when someone is leaving)."""

from django.dispatch import Signal

# Sent inside the service's transaction with person=..., leaving_date=..., actor=...
person_leaving = Signal()
