"""Recurring filtering work: assignments by name whose end has passed leave the snapshot
within the hour (the snapshot names people's groups, not when an assignment ends)."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.monitoring.tasks.filtering import lapse_filter_assignments

JOBS = [
    Job(
        "monitoring.filter_assignments",
        timedelta(hours=1),
        lapse_filter_assignments,
        "End filter-group assignments whose time is up and republish the snapshot",
    ),
]
