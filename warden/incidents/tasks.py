"""Background work of the incident log: thin wrappers over the services.

``violations_received_task`` is for the monitoring area's ingestion to enqueue after a run
that found violations, if it prefers not to call ``services.violations_received`` inline.
The daily and weekly ones are run by ``warden incidents ...`` from the scheduler (cron or
a systemd timer), or enqueued.
"""

from __future__ import annotations

from django_tasks import task

from warden.core.models import School
from warden.incidents import services


@task()
def violations_received_task(*, school_id: int, violation_ids: list[int]) -> dict[str, int]:
    school = School.objects.select_related("trust").get(pk=school_id)
    return services.violations_received(school=school, violation_ids=violation_ids)


@task()
def sanctions_task() -> dict[str, int]:
    run = services.sanctions_process()
    return {"started": run.started, "ended": run.ended, "lapsed": run.lapsed}


@task()
def digest_task() -> int:
    return sum(
        services.triage_digest_send(school=school)
        for school in School.objects.select_related("trust")
    )


@task()
def weekly_report_task(*, school_id: int) -> str:
    school = School.objects.select_related("trust").get(pk=school_id)
    return services.weekly_report_send(school=school)


@task()
def weekly_reports_task() -> int:
    """The weekly report for every school (duty "Weekly monitoring report"; the schedule's
    weekly job)."""
    sent = 0
    for school in School.objects.select_related("trust").order_by("pk"):
        services.weekly_report_send(school=school)
        sent += 1
    return sent
