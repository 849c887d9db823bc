"""The records area's recurring job: the retention schedule's weekly dry run, recorded for
the SIRO to approve (nothing is removed without that)."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.records.tasks import retention_find_all

JOBS = [
    Job(
        "records.retention",
        timedelta(days=7),
        retention_find_all,
        "List what the retention schedule has due, for the SIRO to approve",
    ),
]
