"""Scheduled work of the people register: thin wrappers the worker runs."""

from __future__ import annotations

from warden.core.tasks import warden_task
from warden.people.feeds import feeds_pull_all


@warden_task
def pull_mis_feeds() -> dict[str, str]:
    """Pull the newest MIS export of every school whose feed is on, and import it once."""
    return feeds_pull_all()
