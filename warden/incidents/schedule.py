"""Recurring work of the incident log: sanctions hourly (a withdrawal ends, and the person's
access comes back, at the start of its end day; an hourly run keeps that within the hour),
the triage digest daily, and the weekly report weekly (policy duty "Weekly monitoring
report", docs/policy-map.md)."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.incidents.tasks import digest_task, sanctions_task, weekly_reports_task

JOBS = [
    Job(
        "incidents.sanctions",
        timedelta(hours=1),
        sanctions_task,
        "Start and end sanctions' withdrawals, restore access, lapse verbal warnings",
    ),
    Job(
        "incidents.digest",
        timedelta(days=1),
        digest_task,
        "E-mail each school's DSL the day's violations below severity 4",
    ),
    Job(
        "incidents.weekly_report",
        timedelta(days=7),
        weekly_reports_task,
        "The weekly monitoring and e-safety report to the SIRO and headteacher",
    ),
]
