"""Raw log chunks on NATS JetStream: the contract between publishers and ingest workers.

Publishers (``warden ingest-publish`` for files, the live receivers for Squid's syslog or
HTTP logging) cut logs into chunks of whole lines and publish each chunk to the stream
:data:`STREAM` under the subject ``warden.logs.<school slug>``; ingest workers pull them
through the durable consumer :data:`CONSUMER` and acknowledge a chunk only once its
violations and archive are committed.

A message's data is the chunk's bytes (whole lines, at most :data:`MAX_CHUNK_BYTES`); its
headers say what it is:

* :data:`H_FORMAT`: the log format (``squid``, ``e2guardian``, ``dns`` ...);
* :data:`H_SOURCE`: the source's identity, as :func:`warden.engine.ingest.source_identity`
  gives it for a file's first 64 KiB, or for a live receiver a hash naming that receiver's
  run;
* :data:`H_CHUNK`: the chunk's index within its source, from 0;
* :data:`H_OFFSET`: the byte offset of the chunk's first line within its source;
* :data:`H_LINE`: the line number of the chunk's first line, from 1;
* ``Nats-Msg-Id``: ``<source>:<chunk>``, so JetStream drops a chunk published twice within
  its duplicate window.

The same (source, chunk) always carries the same bytes, and everything a worker derives
from it (violation ids, archive file names) is a function of them: redelivery after a
worker dies rewrites the same rows and files, so a chunk is ingested exactly once.
"""

from __future__ import annotations

STREAM = "WARDEN_LOGS"
SUBJECT_PREFIX = "warden.logs"
CONSUMER = "warden-ingest"
MAX_CHUNK_BYTES = 4 * 1024 * 1024
"""Chunks this big keep the archive's files few; the NATS server Warden starts allows 8 MiB
payloads. Against a server with a smaller ``max_payload`` a publisher cuts smaller chunks."""

H_FORMAT = "Warden-Format"
H_SOURCE = "Warden-Source"
H_CHUNK = "Warden-Chunk"
H_OFFSET = "Warden-Offset"
H_LINE = "Warden-Line"


def subject(school: str) -> str:
    """The subject a school's chunks are published under."""
    return f"{SUBJECT_PREFIX}.{school}"
