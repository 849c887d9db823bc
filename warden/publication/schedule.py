"""Recurring publication work: media sets past retention listed for removal, daily."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.publication.tasks import flag_sets_past_retention

JOBS = [
    Job(
        "publication.retention",
        timedelta(days=1),
        flag_sets_past_retention,
        "List media sets past the retention period for removal",
    ),
]
