"""Background work for the log stream (``jetstream``)."""

from __future__ import annotations

from warden.core.tasks import warden_task
from warden.monitoring.jetstream import prune_chunk_markers


@warden_task
def prune_stream_markers() -> int:
    """Delete the markers of chunks the stream can no longer hand out again (daily)."""
    return prune_chunk_markers()
