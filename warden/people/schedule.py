"""Recurring people work: the MIS feeds are pulled hourly, so a pupil who joins or leaves
in the MIS reaches Warden (and their accounts) the same morning."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.people.tasks import pull_mis_feeds

JOBS = [
    Job(
        "people.pull_mis_feeds",
        timedelta(hours=1),
        pull_mis_feeds,
        "Pull each school's newest MIS export from its folder or SFTP drop, once",
    ),
]
