"""Background tasks of equipment: thin wrappers the worker runs."""

from __future__ import annotations

from django_tasks import task

from warden.core.audit import audit_context
from warden.core.models import School
from warden.equipment.services import loan_reminders_send


@task()
def send_loan_reminders() -> int:
    """Remind the borrowers of overdue loans at every school (each at most every few days)."""
    total = 0
    for school in School.objects.select_related("trust"):
        with audit_context(via="task", acting_school=school):
            total += loan_reminders_send(school=school)
    return total
