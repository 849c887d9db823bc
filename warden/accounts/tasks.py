"""Scheduled work of the accounts area: thin wrappers the worker runs.

Run daily (for instance from cron: ``warden accounts daily``, which enqueues these, or call
the commands directly): deadlines and expiries every hour or so, agreement enforcement once
a day.
"""

from __future__ import annotations

from django_tasks import task

from warden.accounts.services import agreements_enforce, deadlines_process
from warden.core.audit import audit_context
from warden.core.models import School


@task()
def process_deadlines() -> dict[str, int]:
    """Tell the ICT manager and SIRO about overdue leavers; disable expired accounts."""
    with audit_context(via="task"):
        report = deadlines_process()
    return {"notified": report.notified, "expired": report.expired}


@task()
def enforce_agreements() -> dict[str, int]:
    """Suspend accounts past the agreement grace period, at schools that turned it on."""
    suspended: dict[str, int] = {}
    for school in School.objects.select_related("trust"):
        with audit_context(via="task", acting_school=school):
            suspended[school.slug] = agreements_enforce(actor=None, school=school)
    return suspended
