"""Scheduled work of the accounts area: thin wrappers the worker runs.

The schedule (``accounts/schedule.py``) queues them; ``warden accounts daily`` queues them
too, for a cron line.
"""

from __future__ import annotations

from warden.accounts.services import (
    agreements_enforce,
    deadlines_process,
    password_reminders_send,
)
from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task


@warden_task
def process_deadlines() -> dict[str, int]:
    """Tell the ICT manager and SIRO about overdue leavers; disable expired accounts."""
    report = deadlines_process()
    return {"notified": report.notified, "expired": report.expired}


@warden_task
def enforce_agreements() -> dict[str, int]:
    """Suspend accounts past the agreement grace period, at schools that turned it on."""
    suspended: dict[str, int] = {}
    for school in School.objects.select_related("trust"):
        with audit_acting_school(school):
            suspended[school.slug] = agreements_enforce(actor=None, school=school)
    return suspended


@warden_task
def send_password_reminders() -> dict[str, int]:
    """Remind staff whose password on a school system is due for a change."""
    reminded: dict[str, int] = {}
    for school in School.objects.select_related("trust"):
        with audit_acting_school(school):
            reminded[school.slug] = password_reminders_send(school=school)
    return reminded
