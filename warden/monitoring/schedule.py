"""Recurring filtering work: assignments by name whose end has passed leave the snapshot
within the hour (the snapshot names people's groups, not when an assignment ends), and the
lists that update themselves are downloaded once a day."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.monitoring.tasks.filtering import lapse_filter_assignments, update_filter_lists

JOBS = [
    Job(
        "monitoring.filter_assignments",
        timedelta(hours=1),
        lapse_filter_assignments,
        "End filter-group assignments whose time is up and republish the snapshot",
    ),
    Job(
        "monitoring.filter_list_update",
        timedelta(days=1),
        update_filter_lists,
        "Download the filtering lists that update themselves and publish the changes",
    ),
]
