"""Hooks areas above the incident log listen to.

``data_breach_reported`` is sent inside ``services.incidents.incident_report``'s
transaction with ``incident=...`` and ``actor=...`` when the incident reported is of kind
"data breach" (``IncidentKind.DATA_BREACH``): the data-protection area opens its breach
record, with the ICO's 72-hour clock, from it. The incident log never imports that area.
"""

from django.dispatch import Signal

data_breach_reported = Signal()
