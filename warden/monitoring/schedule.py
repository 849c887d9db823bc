"""Recurring filtering work: assignments by name whose end has passed leave the snapshot
within the hour (the snapshot names people's groups, not when an assignment ends), and the
lists that update themselves are downloaded once a day; the markers of log-stream chunks
no longer needed are deleted once a day."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.monitoring.tasks.filtering import lapse_filter_assignments, update_filter_lists
from warden.monitoring.tasks.streaming import prune_stream_markers

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
    Job(
        "monitoring.stream_markers",
        timedelta(days=1),
        prune_stream_markers,
        "Delete the markers of log-stream chunks older than the stream's age and duplicate window",
    ),
]
