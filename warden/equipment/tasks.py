"""Background tasks of equipment: thin wrappers the worker runs."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.equipment.services import loan_reminders_send


@warden_task
def send_loan_reminders() -> int:
    """Remind the borrowers of overdue loans at every school (each at most every few days)."""
    total = 0
    for school in School.objects.select_related("trust"):
        with audit_acting_school(school):
            total += loan_reminders_send(school=school)
    return total
