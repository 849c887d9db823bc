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
* ``Nats-Msg-Id``: ``<subject>:<source>:<chunk>``, so JetStream drops a chunk published
  twice to the same school within its duplicate window (the same file published for two
  schools is two sets of chunks).

The same (source, chunk) always carries the same bytes, and everything a worker derives
from it (violation ids, archive file names) is a function of them: redelivery after a
worker dies rewrites the same rows and files, so a chunk is ingested exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

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


HEADROOM = 64 * 1024
"""Room a chunk leaves under the server's ``max_payload`` for its headers."""


def chunk_limit(max_payload: int) -> int:
    """The most bytes a chunk may have on a server that accepts ``max_payload`` bytes."""
    return max(1, min(MAX_CHUNK_BYTES, max_payload - HEADROOM))


def message_id(subject_name: str, source: str, chunk: int) -> str:
    """The ``Nats-Msg-Id`` of a chunk published to ``subject_name``: JetStream drops a second
    copy of it."""
    return f"{subject_name}:{source}:{chunk}"


def school_of(subject_name: str) -> str:
    """The school slug of a chunk's subject; ValueError if it is not a log subject."""
    prefix, _, school = subject_name.rpartition(".")
    if prefix != SUBJECT_PREFIX or not school:
        raise ValueError(f"not a log subject: {subject_name!r}")
    return school


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines of a source, starting at byte ``offset`` and line ``line`` (from 1)."""

    fmt: str
    source: str
    index: int
    offset: int
    line: int
    data: bytes = b""

    def headers(self, subject_name: str) -> dict[str, str]:
        """The message headers of this chunk published to ``subject_name``."""
        return {
            H_FORMAT: self.fmt,
            H_SOURCE: self.source,
            H_CHUNK: str(self.index),
            H_OFFSET: str(self.offset),
            H_LINE: str(self.line),
            "Nats-Msg-Id": message_id(subject_name, self.source, self.index),
        }

    @classmethod
    def from_message(cls, headers: Mapping[str, str] | None, data: bytes) -> Chunk:
        """A chunk from a message's headers and data; ValueError if a header is missing or
        malformed."""
        headers = headers or {}
        try:
            chunk = cls(
                fmt=headers[H_FORMAT],
                source=headers[H_SOURCE],
                index=int(headers[H_CHUNK]),
                offset=int(headers[H_OFFSET]),
                line=int(headers[H_LINE]),
                data=data,
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"not a log chunk: bad or missing header {exc}") from None
        if chunk.index < 0 or chunk.offset < 0 or chunk.line < 1 or not chunk.source:
            raise ValueError("not a log chunk: negative position or no source")
        return chunk


def cut_chunks(
    stream: BinaryIO,
    *,
    fmt: str,
    source: str,
    limit: int,
    index: int = 0,
    offset: int = 0,
    line: int = 1,
) -> Iterator[Chunk]:
    """The chunks of a file read from ``stream``: whole lines, at most ``limit`` bytes each,
    the first of them chunk ``index`` at byte ``offset`` and line ``line`` (a resumed run
    starts after what it published before).

    An unfinished last line (no newline yet) is left for a later run, as ``warden ingest``
    leaves it. A line longer than ``limit`` cannot be published: ValueError names it.
    """
    stream.seek(offset)
    pending = b""
    while True:
        more = stream.read(limit)
        pending += more
        end = pending.rfind(b"\n", 0, limit) + 1
        if end == 0:
            if len(pending) >= limit:
                raise ValueError(
                    f"line {line} (byte {offset}) is longer than a chunk may be ({limit} bytes)"
                )
            if not more:
                return
            continue
        if len(pending) < limit and more:
            continue
        data = pending[:end]
        yield Chunk(fmt, source, index, offset, line, data)
        pending = pending[end:]
        index += 1
        offset += len(data)
        line += data.count(b"\n")
