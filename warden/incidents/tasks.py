"""Background work of the incident log: thin wrappers over the services, queued by the
schedule (``incidents/schedule.py``). ``warden incidents ...`` runs the same services from
the command line."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.incidents.services.sanctions import sanctions_process
from warden.incidents.services.triage import triage_digest_send, weekly_report_send


@warden_task
def sanctions_task() -> dict[str, int]:
    run = sanctions_process()
    return {"started": run.started, "ended": run.ended, "lapsed": run.lapsed}


@warden_task
def digest_task() -> int:
    sent = 0
    for school in School.objects.select_related("trust").order_by("pk"):
        with audit_acting_school(school):
            sent += triage_digest_send(school=school)
    return sent


@warden_task
def weekly_reports_task() -> int:
    """The weekly report for every school (duty "Weekly monitoring report"; the schedule's
    weekly job)."""
    sent = 0
    for school in School.objects.select_related("trust").order_by("pk"):
        with audit_acting_school(school):
            weekly_report_send(school=school)
        sent += 1
    return sent
