"""Log ingestion: parse, attribute, classify, look for keywords, report, archive.

One chunk of whole lines at a time (a few megabytes, as Arrow arrays):

1. parse the lines (:mod:`warden.engine.logs`);
2. attribute each request to a person: a known user name gives that person, otherwise the
   client IP address gives whoever held it at that moment (:class:`IntervalAttributor`);
3. classify each URL with the category lists: each host once, the first time a run sees
   it, and a URL only where the lists have URL entries for its host (a
   :class:`~warden.engine.lists.CategoryIndex` whole columns at a time, through its
   compiled :class:`~warden.engine.columns.ColumnIndex`; any other classifier through
   ``categories_for_host`` and ``categories_for_url``);
4. match the keyword library against every URL and against the decoded query of every
   search page (:mod:`warden.engine.searchterms`);
5. hand the violations (alert categories and keyword matches) to a :class:`ViolationSink`;
6. archive the chunk (:mod:`warden.engine.archive`) and then commit the offset after the
   chunk to a :class:`CheckpointStore`.

Ingestion is idempotent and resumable. A source is identified by a hash of its first 64 KiB
(fewer bytes if it was shorter when first seen; the length is kept in the checkpoint), and
is looked up by device and inode, so a rotated file keeps its progress under its new name.
Chunk boundaries depend only on the file's contents and the committed offset, archive
files are named after the source and chunk index, and every violation's id is a hash of
the source identity, the line's offset and what matched: if a run is killed at any point,
the next run redoes at most the uncommitted chunk, rewrites the same files and reports the
same ids, which a sink must treat as upserts. The end state equals one clean run.

A chunk's work is two stages: :meth:`Ingestor.prepare_chunk` (steps 1 to 4 and the
archive, touching neither sink nor checkpoints) and :meth:`Ingestor.commit_chunk`
(deliver, then save the checkpoint). :mod:`warden.engine.pipeline` runs the first in
worker processes, several chunks at once, and the second here, in chunk order.

The Django side implements :class:`CheckpointStore` and :class:`ViolationSink` with the
database and supplies the attribution table; :class:`FileCheckpointStore`,
:class:`MemoryCheckpointStore`, :class:`JsonlViolationSink` and :class:`MemoryViolationSink`
serve stand-alone use and tests. ``python -m warden.engine.ingest --help`` runs it alone.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import BinaryIO, Protocol, cast

import pyarrow as pa
import pyarrow.compute as pc

from warden.engine import _native as native
from warden.engine import archive
from warden.engine.columns import ColumnIndex
from warden.engine.keywords import KeywordMatcher, Match, load_starter_library
from warden.engine.lists import CategoryIndex
from warden.engine.logs import LogFormat, Malformed, parse_chunk
from warden.engine.searchterms import QUERY_HINT, SEARCH_HOST_PATTERN, extract_search
from warden.engine.strings import StringTable, int32_column, lookup, serials, values_buffer

__all__ = [
    "Checkpoint",
    "CheckpointStore",
    "FileCheckpointStore",
    "IngestResult",
    "Ingestor",
    "IntervalAttributor",
    "JsonlViolationSink",
    "Lease",
    "MemoryCheckpointStore",
    "MemoryViolationSink",
    "PreparedChunk",
    "UrlClassifier",
    "Violation",
    "ViolationSink",
    "source_identity",
]

FINGERPRINT_BYTES = 64 * 1024
DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024
DEFAULT_CATEGORY_SEVERITY = 3


# -- interfaces the Django side implements ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How far a source has been ingested. ``offset``/``line_no`` count what is committed:
    archived and handed to the sink."""

    source_key: str
    """Where the source was found: ``file:<device>:<inode>`` or ``stream:<name>``."""
    source_id: str
    """The source's identity: sha256 of its first ``fingerprint_len`` bytes, hex."""
    fingerprint_len: int
    offset: int = 0
    line_no: int = 0
    chunk_index: int = 0
    path: str = ""
    malformed: int = 0


class CheckpointStore(Protocol):
    def load(self, source_key: str) -> Checkpoint | None:
        """The checkpoint saved under ``source_key``, or None."""

    def save(self, checkpoint: Checkpoint) -> None:
        """Store ``checkpoint``, replacing any under the same ``source_key``; must be durable
        when it returns, because the offset it records is never read again."""


@dataclass(frozen=True, slots=True)
class Violation:
    """A request that needs a safeguarding look: a keyword match or an alert category."""

    id: str
    """Deterministic: sha256 of source identity, line offset, kind and what matched."""
    school: str
    source_id: str
    offset: int
    line_no: int
    ts: dt.datetime
    person_id: str | None
    username: str | None
    client_ip: str | None
    url: str | None
    host: str | None
    kind: str
    """``keyword`` or ``category``."""
    category: str
    severity: int
    phrase: str | None = None
    language: str | None = None
    matched_text: str | None = None
    search_engine: str | None = None
    search_term: str | None = None
    decision: str | None = None
    """What the filter did with the request: ``allowed``, ``denied``, ``exception``, or None."""

    def as_dict(self) -> dict[str, object]:
        # Every field is a plain value: no need for asdict's recursive deep copy.
        data: dict[str, object] = {name: getattr(self, name) for name in _VIOLATION_FIELDS}
        data["ts"] = self.ts.isoformat()
        return data


_VIOLATION_FIELDS = tuple(item.name for item in fields(Violation))


class ViolationSink(Protocol):
    def deliver(self, violations: Sequence[Violation]) -> None:
        """Store violations as upserts keyed by ``Violation.id``: after a crash the same
        violations are delivered again. Must be durable when it returns."""


class UrlClassifier(Protocol):
    """What :class:`warden.engine.lists.CategoryIndex` offers."""

    def categories_for_url(self, url: str) -> tuple[str, ...]: ...

    def categories_for_host(self, host: str) -> tuple[str, ...]: ...


class Attributor(Protocol):
    def person_ids(self, usernames: pa.Array, client_ips: pa.Array, ts: pa.Array) -> pa.Array:
        """A string array, one person id (or null) a row."""


# -- stand-alone implementations --------------------------------------------------------


class MemoryCheckpointStore:
    def __init__(self) -> None:
        self.checkpoints: dict[str, Checkpoint] = {}

    def load(self, source_key: str) -> Checkpoint | None:
        return self.checkpoints.get(source_key)

    def save(self, checkpoint: Checkpoint) -> None:
        self.checkpoints[checkpoint.source_key] = checkpoint


class FileCheckpointStore:
    """Checkpoints in one JSON file, replaced atomically on every save::

    {"version": 1, "checkpoints": {"file:2049:1234": {"source_id": ..., "offset": ...}}}
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return cast(dict[str, dict[str, object]], data.get("checkpoints", {}))

    def load(self, source_key: str) -> Checkpoint | None:
        entry = self._read().get(source_key)
        if entry is None:
            return None
        return Checkpoint(source_key=source_key, **entry)  # type: ignore[arg-type]

    def save(self, checkpoint: Checkpoint) -> None:
        entries = self._read()
        entry = asdict(checkpoint)
        entry.pop("source_key")
        entries[checkpoint.source_key] = entry
        payload = json.dumps({"version": 1, "checkpoints": entries}, indent=1, sort_keys=True)
        _write_atomic(self.path, payload.encode("utf-8"))


# json.dumps(..., sort_keys=True) builds an encoder per call; one does for every line.
_JSON = json.JSONEncoder(sort_keys=True)


class MemoryViolationSink:
    def __init__(self) -> None:
        self.violations: dict[str, Violation] = {}

    def deliver(self, violations: Sequence[Violation]) -> None:
        for violation in violations:
            self.violations[violation.id] = violation


class JsonlViolationSink:
    """Violations as JSON lines in a file, each id once: ids already in the file are not
    written again, and a line torn by a crash is cut off when the file is opened."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.ids: set[str] = set()
        if self.path.exists():
            raw = self.path.read_bytes()
            complete = raw[: raw.rfind(b"\n") + 1]
            if len(complete) != len(raw):
                with open(self.path, "rb+") as handle:
                    handle.truncate(len(complete))
            for line in complete.splitlines():
                if line.strip():
                    self.ids.add(json.loads(line)["id"])

    def deliver(self, violations: Sequence[Violation]) -> None:
        fresh = [v for v in violations if v.id not in self.ids]
        if not fresh:
            return
        with open(self.path, "ab") as handle:
            for violation in fresh:
                handle.write(_JSON.encode(violation.as_dict()).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.ids.update(v.id for v in fresh)

    def read(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# -- attribution ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lease:
    """``person_id`` used ``ip`` from ``start`` until ``end`` (None: still does)."""

    ip: str
    start: dt.datetime
    end: dt.datetime | None
    person_id: str


def _millis(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("lease times must be timezone-aware")
    return int(moment.timestamp() * 1000)


class IntervalAttributor:
    """Who made a request: a known user name gives that person; otherwise the client IP
    gives whoever held it at that moment (the latest-starting lease that covers it).

    Names are matched without case, and also without a ``DOMAIN\\`` prefix or an
    ``@realm`` suffix, as proxies log them in all three forms.
    """

    def __init__(self, leases: Iterable[Lease] = (), usernames: Mapping[str, str] | None = None):
        self._names = {name.lower(): person for name, person in (usernames or {}).items()}
        by_ip: dict[str, list[tuple[int, int, str]]] = {}
        for lease in leases:
            end = _millis(lease.end) if lease.end is not None else 1 << 62
            by_ip.setdefault(lease.ip, []).append((_millis(lease.start), end, lease.person_id))
        for spans in by_ip.values():
            spans.sort()
        # Column form for the compiled lookup: each address numbered in a string table, its
        # leases a run of rows sorted by start, and each lease's person a number.
        self._ip_rows = StringTable()
        people: dict[str, int] = {}
        first: list[int] = []
        count: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        holders: list[int] = []
        for row, (ip, spans) in enumerate(by_ip.items()):
            self._ip_rows.set(ip, row)
            first.append(len(starts))
            count.append(len(spans))
            for start, end, person in spans:
                starts.append(start)
                ends.append(end)
                holders.append(people.setdefault(person, len(people)))
        self._spans = (
            pa.array(first, pa.int32()),
            pa.array(count, pa.int32()),
            pa.array(starts, pa.int64()),
            pa.array(ends, pa.int64()),
            pa.array(holders, pa.int32()),
        )
        self._people = pa.array(list(people), pa.string())

    def person_for_name(self, name: str | None) -> str | None:
        if not name:
            return None
        lowered = name.lower()
        for key in (lowered, lowered.rsplit("\\", 1)[-1], lowered.split("@", 1)[0]):
            person = self._names.get(key)
            if person is not None:
                return person
        return None

    def person_ids(self, usernames: pa.Array, client_ips: pa.Array, ts: pa.Array) -> pa.Array:
        # Names: once per distinct name.
        names = cast(pa.DictionaryArray, pc.dictionary_encode(usernames))
        by_name = [self.person_for_name(n) for n in names.dictionary.to_pylist()]
        if len(self._ip_rows) == 0 or len(client_ips) == 0:
            return pc.take(pa.array(by_name, pa.string()), names.indices)
        # Addresses: a hash lookup and a search of the address's leases, a row at a time.
        position = lookup(self._ip_rows, client_ips)
        first, count, starts, ends, holders = self._spans
        holder = int32_column(
            len(position),
            native.covering(
                values_buffer(pc.fill_null(position, _MINUS_ONE)),
                values_buffer(pc.cast(ts, pa.int64()), pa.int64()),
                values_buffer(first),
                values_buffer(count),
                values_buffer(starts, pa.int64()),
                values_buffer(ends, pa.int64()),
                values_buffer(holders),
            ),
        )
        # A name's person, else the address's, as numbers first: the lease holders, then
        # the people names gave. One take of strings, not two and a coalesce.
        named: list[str] = []
        numbers: list[int | None] = []
        for person in by_name:
            numbers.append(None if person is None else len(self._people) + len(named))
            if person is not None:
                named.append(person)
        chosen = pc.coalesce(pc.take(pa.array(numbers, pa.int32()), names.indices), holder)
        everyone = pa.concat_arrays([self._people, pa.array(named, pa.string())])
        return pc.take(everyone, chosen)


_TWO = pa.scalar(2, pa.int64())
_MINUS_ONE = pa.scalar(-1, pa.int32())
_FOUR = pa.scalar(4, pa.int64())
_FALSE = pa.scalar(False, pa.bool_())
_TRUE = pa.scalar(True, pa.bool_())
_EMPTY = pa.scalar("", pa.string())
_NEWLINE = pa.scalar("\n", pa.string())

# Facts about a host: (categories, whether the lists have URL entries for it, whether it is
# a search engine). Ingestor keeps them interned; id 0 is a host nothing is known about.
_Facts = tuple[tuple[str, ...], bool, bool]


# -- the pipeline -----------------------------------------------------------------------


def source_identity(head: bytes) -> str:
    return hashlib.sha256(b"warden-log-source\0" + head).hexdigest()


def violation_id(source_id: str, offset: int, kind: str, what: str) -> str:
    key = f"{source_id}\0{offset}\0{kind}\0{what}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


@dataclass(slots=True)
class IngestResult:
    lines: int = 0
    records: int = 0
    blank: int = 0
    ignored: int = 0
    chunks: int = 0
    bytes: int = 0
    violations: int = 0
    malformed: list[Malformed] = field(default_factory=list)
    """Malformed lines (the first thousand; ``malformed_count`` has them all)."""
    malformed_count: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: IngestResult) -> None:
        self.lines += other.lines
        self.records += other.records
        self.blank += other.blank
        self.ignored += other.ignored
        self.chunks += other.chunks
        self.bytes += other.bytes
        self.violations += other.violations
        self.malformed.extend(other.malformed[: max(0, 1000 - len(self.malformed))])
        self.malformed_count += other.malformed_count
        self.files.extend(other.files)
        self.seconds += other.seconds


@dataclass(frozen=True, slots=True)
class PreparedChunk:
    """A chunk parsed, analysed and archived, not yet committed (:meth:`Ingestor.prepare_chunk`)."""

    chunk_index: int
    offset: int
    violations: list[Violation]
    result: IngestResult


ChunkRunner = Callable[[Checkpoint, Iterable[tuple[int, bytes]]], IngestResult]
"""Ingests a source's (offset, whole lines) chunks from a checkpoint: commits them in order."""


@dataclass
class Ingestor:
    """Everything a run needs; call :meth:`ingest_path` or :meth:`ingest_stream`."""

    school: str
    fmt: LogFormat
    checkpoints: CheckpointStore
    sink: ViolationSink
    archive_root: Path | None = None
    classifier: UrlClassifier | None = None
    """A :class:`CategoryIndex` is turned into its :class:`ColumnIndex` (built once per
    ingestor; pass a ColumnIndex to share one between ingestors)."""
    matcher: KeywordMatcher | None = None
    alert_categories: Mapping[str, int] = field(default_factory=dict)
    """Categories whose visits are violations, with the severity to report: for everyone, or,
    with ``group_alerts``, the union over the groups (a quick first filter)."""
    group_alerts: Mapping[str, Mapping[str, int]] | None = None
    """Per filter group, its own alert categories and severities; a visit is a violation
    only when the category alerts for the group of whoever made the request."""
    group_for: Callable[[str | None, str | None], str] | None = None
    """The filter group of a request from (user name, client IP), as the helper decides it."""
    attributor: Attributor | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    tz: str = "UTC"
    year: int | None = None
    _host_serials: StringTable = field(default_factory=StringTable, repr=False, init=False)
    _serial_codes: pa.Array = field(
        default_factory=lambda: pa.array([], pa.int32()), repr=False, init=False
    )
    _facts: list[_Facts] = field(default_factory=list, repr=False, init=False)
    _facts_index: dict[_Facts, int] = field(default_factory=dict, repr=False, init=False)
    _mask_facts: dict[tuple[int, bool, bool], int] = field(
        default_factory=dict, repr=False, init=False
    )
    _facts_arrays: tuple[pa.Array, pa.Array, pa.Array, pa.Array] | None = field(
        default=None, repr=False, init=False
    )

    def __post_init__(self) -> None:
        if isinstance(self.classifier, CategoryIndex):
            self.classifier = ColumnIndex(self.classifier)

    # -- sources ---------------------------------------------------------------------

    def ingest_path(
        self,
        path: Path,
        *,
        follow: bool = False,
        poll_seconds: float = 1.0,
        should_stop: Callable[[], bool] | None = None,
        runner: ChunkRunner | None = None,
    ) -> IngestResult:
        """Ingest a file from its checkpoint to its last complete line. With ``follow``,
        keep reading as it grows and across rotation (a new file at the same path) until
        ``should_stop`` returns true, like ``tail -F``. ``runner`` ingests the chunks read
        (:meth:`run_chunks`, one after another, when omitted; see
        :mod:`warden.engine.pipeline`)."""
        path = Path(path)
        run = runner or self.run_chunks
        total = IngestResult()
        stop = should_stop or (lambda: False)
        while True:
            try:
                handle = open(path, "rb")  # noqa: SIM115 - kept open across polls
            except FileNotFoundError:
                if not follow or stop():
                    return total
                time.sleep(poll_seconds)
                continue
            with handle:
                stat = os.fstat(handle.fileno())
                key = f"file:{stat.st_dev}:{stat.st_ino}"
                while True:
                    checkpoint = self._checkpoint_for(key, handle, str(path))
                    if checkpoint is not None:
                        total.add(run(checkpoint, self._file_chunks(handle, checkpoint.offset)))
                    if not follow or stop():
                        return total
                    if _rotated(path, stat):
                        # The old file is complete: finish it, last line included.
                        checkpoint = self._checkpoint_for(key, handle, str(path))
                        if checkpoint is not None:
                            chunks = self._file_chunks(handle, checkpoint.offset, final=True)
                            total.add(run(checkpoint, chunks))
                        break
                    time.sleep(poll_seconds)

    def ingest_stream(
        self, stream: BinaryIO, name: str = "stdin", *, runner: ChunkRunner | None = None
    ) -> IngestResult:
        """Ingest a stream to its end. A stream replayed from the start (``cat log |``)
        resumes where the last run stopped, as its first bytes identify it."""
        key = f"stream:{name}"
        head = _read_up_to(stream, FINGERPRINT_BYTES)
        if not head:
            return IngestResult()
        source_id = source_identity(head)
        saved = self.checkpoints.load(key)
        if saved is not None and saved.source_id == source_id:
            checkpoint = saved
        else:
            checkpoint = Checkpoint(key, source_id, len(head), path=name)
        # Skip what an earlier run committed.
        buffered = head[checkpoint.offset :]
        skip = checkpoint.offset - len(head)
        while skip > 0:
            piece = stream.read(min(skip, 1 << 20))
            if not piece:
                return IngestResult()
            skip -= len(piece)
            if skip < 0:
                buffered = piece[len(piece) + skip :]
        chunks = self._stream_chunks(stream, buffered, checkpoint.offset)
        return (runner or self.run_chunks)(checkpoint, chunks)

    def _checkpoint_for(self, key: str, handle: BinaryIO, path: str) -> Checkpoint | None:
        saved = self.checkpoints.load(key)
        if saved is not None:
            handle.seek(0)
            head = handle.read(saved.fingerprint_len)
            if len(head) == saved.fingerprint_len and source_identity(head) == saved.source_id:
                return replace(saved, path=path) if saved.path != path else saved
        handle.seek(0)
        head = handle.read(FINGERPRINT_BYTES)
        if not head:
            return None
        # The inode is new, or was reused for another file: start from the beginning.
        return Checkpoint(key, source_identity(head), len(head), path=path)

    def _file_chunks(
        self, handle: BinaryIO, offset: int, *, final: bool = False
    ) -> Iterator[tuple[int, bytes]]:
        """(offset, whole lines) from ``offset`` to the file's last complete line (its last
        line too when ``final``). Boundaries depend only on the contents and ``offset``."""
        while True:
            handle.seek(offset)
            data = handle.read(self.chunk_bytes)
            if len(data) == self.chunk_bytes and b"\n" not in data:
                # A line longer than a chunk: read on to its end.
                while more := handle.read(self.chunk_bytes):
                    newline = more.find(b"\n")
                    if newline >= 0:
                        data += more[: newline + 1]
                        break
                    data += more
            at_end = len(data) < self.chunk_bytes
            cut = _cut(data, self.chunk_bytes, final=final and at_end)
            if cut == 0:
                return
            yield offset, data[:cut]
            offset += cut

    def _stream_chunks(
        self, stream: BinaryIO, buffered: bytes, position: int
    ) -> Iterator[tuple[int, bytes]]:
        """(offset, whole lines) from a stream to its end, ``buffered`` read already."""
        at_end = False
        while True:
            while not at_end and len(buffered) < self.chunk_bytes:
                more = stream.read(self.chunk_bytes)
                if not more:
                    at_end = True
                    break
                buffered += more
            cut = _cut(buffered, self.chunk_bytes, final=at_end)
            if cut == 0:
                return
            yield position, buffered[:cut]
            buffered = buffered[cut:]
            position += cut

    # -- one chunk -------------------------------------------------------------------

    def run_chunks(
        self, checkpoint: Checkpoint, chunks: Iterable[tuple[int, bytes]]
    ) -> IngestResult:
        """Ingest (offset, whole lines) chunks of the source ``checkpoint`` describes, one
        after another, each committed before the next is read."""
        result = IngestResult()
        for offset, data in chunks:
            checkpoint, done = self.process_chunk(checkpoint, data, offset)
            result.add(done)
        return result

    def process_chunk(
        self, checkpoint: Checkpoint, data: bytes, offset: int
    ) -> tuple[Checkpoint, IngestResult]:
        """Ingest ``data``, whole lines starting at byte ``offset`` of the source
        ``checkpoint`` describes (its ``line_no`` and ``chunk_index`` are the lines and
        chunks before them): archive, deliver the violations, then save and return the
        checkpoint after the chunk."""
        return self.commit_chunk(checkpoint, self.prepare_chunk(checkpoint, data, offset))

    def prepare_chunk(self, checkpoint: Checkpoint, data: bytes, offset: int) -> PreparedChunk:
        """Everything for one chunk but the commit: parse, analyse and archive (the archive
        file is durable when this returns). Touches neither the sink nor the checkpoint
        store, so it may run in another process; only ``source_id``, ``line_no`` and
        ``chunk_index`` of ``checkpoint`` are read."""
        started = time.perf_counter()
        length = len(data)
        parsed = parse_chunk(
            self.fmt,
            data if data.endswith(b"\n") else data + b"\n",
            base_offset=offset,
            first_line_no=checkpoint.line_no + 1,
            tz=self.tz,
            year=self.year,
        )
        table = parsed.table
        violations, enriched = self.analyse(table, checkpoint.source_id)
        files: list[Path] = []
        if self.archive_root is not None:
            files = archive.write_chunk(
                self.archive_root,
                self.school,
                enriched,
                checkpoint.source_id,
                checkpoint.chunk_index,
            )
        result = IngestResult(
            lines=parsed.lines,
            records=table.num_rows,
            blank=parsed.blank,
            ignored=parsed.ignored,
            chunks=1,
            bytes=length,
            violations=len(violations),
            malformed=parsed.malformed[:1000],
            malformed_count=len(parsed.malformed),
            files=files,
            seconds=time.perf_counter() - started,
        )
        return PreparedChunk(checkpoint.chunk_index, offset, violations, result)

    def commit_chunk(
        self, checkpoint: Checkpoint, prepared: PreparedChunk
    ) -> tuple[Checkpoint, IngestResult]:
        """Deliver a prepared chunk's violations, then save the checkpoint after it (on
        ``checkpoint``, the one before it)."""
        if prepared.chunk_index != checkpoint.chunk_index:
            raise ValueError(
                f"chunk {prepared.chunk_index} does not follow the checkpoint "
                f"(next chunk {checkpoint.chunk_index})"
            )
        started = time.perf_counter()
        result = prepared.result
        if prepared.violations:
            self.sink.deliver(prepared.violations)
        committed = replace(
            checkpoint,
            offset=prepared.offset + result.bytes,
            line_no=checkpoint.line_no + result.lines,
            chunk_index=checkpoint.chunk_index + 1,
            malformed=checkpoint.malformed + result.malformed_count,
        )
        self.checkpoints.save(committed)
        result.seconds += time.perf_counter() - started
        return committed, result

    def analyse(self, table: pa.Table, source_id: str) -> tuple[list[Violation], pa.Table]:
        """Violations in a parsed chunk, and the chunk with its archive columns added."""
        size = table.num_rows
        if self.attributor is not None and size:
            people = self.attributor.person_ids(
                table.column("username").combine_chunks(),
                table.column("client_ip").combine_chunks(),
                table.column("ts").combine_chunks(),
            )
        else:
            people = pa.nulls(size, pa.string())
        # What is known about each host (categories, URL entries, search engine) is worked
        # out once per distinct host and kept across chunks as a small "facts" id; rows
        # carry the id, and every per-row column is one take from a per-id array.
        hosts = table.column("host").combine_chunks()
        codes = self._facts_codes(hosts)
        urls = table.column("url").combine_chunks()
        # URL entries exist for few hosts; only their rows are classified URL by URL.
        url_level = pc.take(self._facts_column(1), codes)
        if self.classifier is not None and size and pc.any(url_level).as_py():
            rows = pc.indices_nonzero(url_level)
            searchable = pc.take(pc.take(self._facts_column(2), codes), rows)
            looked_up = self._url_facts(pc.take(urls, rows), pc.take(hosts, rows), searchable)
            codes = pc.replace_with_mask(codes, url_level, looked_up)
        categories = pc.take(self._facts_column(0), codes)
        enriched = (
            table.append_column("source_id", pa.repeat(pa.scalar(source_id), size))
            .append_column("person_id", people)
            .append_column("categories", categories)
        )
        if size == 0:
            return [], enriched
        found: dict[int, list[tuple[str, str, int, Match | None, str | None, str | None]]] = {}
        if self.alert_categories:
            self._category_hits(codes, found, table)
        if self.matcher is not None and len(self.matcher):
            searchable = pc.take(self._facts_column(2), codes)
            self._keyword_hits(urls, searchable, found)
        if not found:
            return [], enriched
        return self._violations(enriched, source_id, found), enriched

    def _intern_facts(self, facts: _Facts) -> int:
        found = self._facts_index.get(facts)
        if found is None:
            found = len(self._facts)
            self._facts.append(facts)
            self._facts_index[facts] = found
            self._facts_arrays = None
        return found

    def _facts_column(self, which: int) -> pa.Array:
        """Column ``which`` of the facts (0 categories, 1 URL entries, 2 search engine, 3
        alert categories present), one element per facts id."""
        if not self._facts:
            self._intern_facts(((), False, False))
        if self._facts_arrays is None:
            alerts = self.alert_categories
            self._facts_arrays = (
                pa.array([f[0] for f in self._facts], pa.list_(pa.string())),
                pa.array([f[1] for f in self._facts], pa.bool_()),
                pa.array([f[2] for f in self._facts], pa.bool_()),
                pa.array([any(c in alerts for c in f[0]) for f in self._facts], pa.bool_()),
            )
        return self._facts_arrays[which]

    def _facts_codes(self, hosts: pa.Array) -> pa.Array:
        """The facts id of each row's host (0 for none). Hosts get serial numbers in a
        compiled table kept across chunks, and serial numbers their facts ids: only hosts
        the table has not seen yet are worked out, once each."""
        if not self._facts:
            self._intern_facts(((), False, False))
        if len(self._host_serials) > 500_000:
            self._host_serials.clear()
            self._serial_codes = pa.array([], pa.int32())
        numbers, added = serials(self._host_serials, hosts)
        if len(added):
            fresh = self._facts_ids(pc.take(hosts, added))
            self._serial_codes = pa.concat_arrays([self._serial_codes, fresh])
        return pc.fill_null(pc.take(self._serial_codes, numbers), 0)

    def _facts_ids(self, hosts: pa.Array) -> pa.Array:
        """The facts id of each of some distinct hosts (int32)."""
        # Which are search engines: one vectorised pass over the new hosts.
        folded = pc.utf8_rtrim(pc.utf8_lower(hosts), characters=".")
        search = pc.fill_null(pc.match_substring_regex(folded, SEARCH_HOST_PATTERN), False)
        classifier = self.classifier
        intern = self._intern_facts
        if isinstance(classifier, ColumnIndex):
            numbers, url_rules, masks = classifier.host_facts(hosts)
            return self._mask_facts_ids(numbers, masks, url_rules, search)
        out = []
        for host, is_search in zip(hosts.to_pylist(), search.to_pylist(), strict=True):
            if classifier is None:
                facts: _Facts = ((), False, bool(is_search))
            else:
                # Any other classifier is asked about every URL.
                facts = (classifier.categories_for_host(host), True, bool(is_search))
            out.append(intern(facts))
        return pa.array(out, pa.int32())

    def _url_facts(self, urls: pa.Array, hosts: pa.Array, searchable: pa.Array) -> pa.Array:
        """Facts ids (int32) for URLs classified one by one (their hosts have URL entries)."""
        classifier = self.classifier
        assert classifier is not None
        intern = self._intern_facts
        if isinstance(classifier, ColumnIndex):
            numbers, masks = classifier.url_masks(urls, hosts)
            url_rules = pa.repeat(_TRUE, len(numbers))
            return self._mask_facts_ids(numbers, masks, url_rules, pc.fill_null(searchable, False))
        # A page's images, scripts and styles repeat its URLs: each is classified once.
        distinct = cast(pa.DictionaryArray, pc.dictionary_encode(urls))
        search_of = dict(zip(urls.to_pylist(), searchable.to_pylist(), strict=True))
        ids = [
            intern((classifier.categories_for_url(u) if u else (), True, bool(search_of[u])))
            for u in distinct.dictionary.to_pylist()
        ]
        return pc.take(pa.array(ids, pa.int32()), distinct.indices)

    def _mask_facts_ids(
        self, numbers: pa.Array, masks: list[int], url_rules: pa.Array, search: pa.Array
    ) -> pa.Array:
        """Facts ids (int32) for rows given as mask numbers (``masks[n]``), whether the lists
        have URL entries and whether it is a search engine. A few distinct triples cover
        every row: each is interned once, with its category tuple built once."""
        assert isinstance(self.classifier, ColumnIndex)
        slugs = self.classifier.index.slugs
        triple = pc.add(
            pc.multiply(pc.cast(numbers, pa.int64()), _FOUR),
            pc.add(pc.multiply(pc.cast(url_rules, pa.int64()), _TWO), pc.cast(search, pa.int64())),
        )
        encoded = cast(pa.DictionaryArray, pc.dictionary_encode(triple))
        by_mask = self._mask_facts
        ids = []
        for value in encoded.dictionary.to_pylist():
            key = (masks[value >> 2], bool(value & 2), bool(value & 1))
            code = by_mask.get(key)
            if code is None:
                code = by_mask[key] = self._intern_facts((slugs(key[0]), key[1], key[2]))
            ids.append(code)
        return pc.take(pa.array(ids, pa.int32()), encoded.indices)

    def _category_hits(
        self,
        codes: pa.Array,
        found: dict[int, list[tuple[str, str, int, Match | None, str | None, str | None]]],
        table: pa.Table,
    ) -> None:
        alerting = pc.take(self._facts_column(3), codes)
        if not pc.any(alerting).as_py():
            return
        rows = pc.indices_nonzero(alerting)
        facts = self._facts
        row_alerts: Callable[[int], Mapping[str, int]] = lambda _row: self.alert_categories  # noqa: E731
        if self.group_alerts is not None and self.group_for is not None:
            # Few rows get this far (visits to alert categories), so the group is looked up
            # row by row, cached per (user, address) as the helper's own lookup is.
            group_for, by_group = self.group_for, self.group_alerts
            users = pc.take(table.column("username"), rows).to_pylist()
            ips = pc.take(table.column("client_ip"), rows).to_pylist()
            cache: dict[tuple[str | None, str | None], Mapping[str, int]] = {}
            picked: dict[int, Mapping[str, int]] = {}
            for row, user, ip in zip(rows.to_pylist(), users, ips, strict=True):
                key = (user, ip)
                if key not in cache:
                    cache[key] = by_group.get(group_for(user, ip), {})
                picked[row] = cache[key]
            row_alerts = picked.__getitem__
        for row, code in zip(rows.to_pylist(), pc.take(codes, rows).to_pylist(), strict=True):
            alerts = row_alerts(row)
            for name in facts[code][0]:
                severity = alerts.get(name)
                if severity is not None:
                    found.setdefault(row, []).append(("category", name, severity, None, None, None))

    def _keyword_hits(
        self,
        urls: pa.Array,
        searchable: pa.Array,
        found: dict[int, list[tuple[str, str, int, Match | None, str | None, str | None]]],
    ) -> None:
        assert self.matcher is not None
        joined = pc.binary_join_element_wise(pc.fill_null(urls, _EMPTY), _EMPTY, _NEWLINE)
        buffers = joined.buffers()
        bounds = memoryview(cast(pa.Buffer, buffers[1])).cast("i")[: len(joined) + 1]
        data = memoryview(cast(pa.Buffer, buffers[2]))
        seen: set[tuple[int, str]] = set()
        # Search queries first, decoded: a match there names the search term.
        # Most requests to a search engine's host are not searches (scripts, images,
        # telemetry); one vectorised pass keeps the URLs that can carry a query.
        if pc.any(searchable).as_py():
            on_engines = pc.indices_nonzero(searchable)
            hinted = pc.fill_null(
                pc.match_substring_regex(pc.take(urls, on_engines), QUERY_HINT), _FALSE
            )
            picked = pc.filter(on_engines, hinted)
        else:
            picked = pa.array([], pa.uint64())
        if len(picked):
            rows = picked.to_pylist()
            for row, url in zip(rows, pc.take(urls, picked).to_pylist(), strict=True):
                search = extract_search(url) if url else None
                if search is None:
                    continue
                for match in self.matcher.find(search.query):
                    key = (row, match.phrase)
                    if key not in seen:
                        seen.add(key)
                        found.setdefault(row, []).append(
                            (
                                "keyword",
                                match.category,
                                match.severity,
                                match,
                                search.engine,
                                search.query,
                            )
                        )
        for row, match in self.matcher.find_in_records(data, bounds):
            key = (row, match.phrase)
            if key not in seen:
                seen.add(key)
                found.setdefault(row, []).append(
                    ("keyword", match.category, match.severity, match, None, None)
                )

    def _violations(
        self,
        enriched: pa.Table,
        source_id: str,
        found: dict[int, list[tuple[str, str, int, Match | None, str | None, str | None]]],
    ) -> list[Violation]:
        rows = sorted(found)
        # Column by column: a table's to_pylist builds a dictionary a row, which costs more
        # than the violations themselves.
        picked = enriched.select(_VIOLATION_COLUMNS).take(pa.array(rows, pa.int64()))
        offsets, line_nos, moments, people, users, ips, urls, hosts, decisions = (
            column.to_pylist() for column in picked.columns
        )
        school = self.school
        out = []
        for i, row in enumerate(rows):
            offset = offsets[i]
            for kind, category, severity, match, engine, term in found[row]:
                what = match.phrase if match is not None else category
                out.append(
                    Violation(
                        id=violation_id(source_id, offset, kind, f"{category}\0{what}"),
                        school=school,
                        source_id=source_id,
                        offset=offset,
                        line_no=line_nos[i],
                        ts=moments[i],
                        person_id=people[i],
                        username=users[i],
                        client_ip=ips[i],
                        url=urls[i],
                        host=hosts[i],
                        kind=kind,
                        category=category,
                        severity=severity,
                        phrase=match.phrase if match is not None else None,
                        language=match.language if match is not None else None,
                        matched_text=match.text if match is not None else None,
                        search_engine=engine,
                        search_term=term,
                        decision=decisions[i],
                    )
                )
        return out


_VIOLATION_COLUMNS = [
    "offset",
    "line_no",
    "ts",
    "person_id",
    "username",
    "client_ip",
    "url",
    "host",
    "decision",
]


def _cut(data: bytes, limit: int, *, final: bool) -> int:
    """How much of ``data`` to process now: whole lines only, unless the source is finished
    (then a last line without its newline counts too)."""
    if not data:
        return 0
    end = data.rfind(b"\n", 0, max(limit, 1)) + 1
    if end == 0:
        end = data.find(b"\n") + 1
    if end == 0:
        return len(data) if final else 0
    if final and len(data) <= limit:
        return len(data)
    return end


def _rotated(path: Path, stat: os.stat_result) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    return (now.st_dev, now.st_ino) != (stat.st_dev, stat.st_ino)


def _read_up_to(stream: BinaryIO, size: int) -> bytes:
    parts = []
    remaining = size
    while remaining > 0:
        piece = stream.read(remaining)
        if not piece:
            break
        parts.append(piece)
        remaining -= len(piece)
    return b"".join(parts)


def _leases_from_csv(path: Path) -> list[Lease]:
    """``ip,start,end,person_id`` rows (ISO 8601 times, empty end for an open lease)."""
    leases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("ip,"):
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != 4:
            raise ValueError(f"{path}:{number}: expected ip,start,end,person_id")
        ip, start, end, person = parts
        leases.append(
            Lease(
                ip,
                dt.datetime.fromisoformat(start),
                dt.datetime.fromisoformat(end) if end else None,
                person,
            )
        )
    return leases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warden.engine.ingest",
        description="Ingest proxy or DNS logs without the web application.",
    )
    parser.add_argument("paths", nargs="+", help="log files, or - for standard input")
    parser.add_argument("--format", required=True, choices=["squid", "e2guardian", "dns"])
    parser.add_argument("--school", required=True, help="school slug")
    parser.add_argument("--archive", type=Path, help="archive root (omit: do not archive)")
    parser.add_argument("--checkpoints", type=Path, required=True, help="checkpoint JSON file")
    parser.add_argument("--violations", type=Path, required=True, help="violations JSONL file")
    parser.add_argument("--lists", type=Path, help="compiled category index (CategoryIndex)")
    parser.add_argument(
        "--alert",
        action="append",
        default=[],
        metavar="CATEGORY[=SEVERITY]",
        help="a category whose visits are violations (repeatable)",
    )
    parser.add_argument("--leases", type=Path, help="CSV of ip,start,end,person_id")
    parser.add_argument("--no-keywords", action="store_true", help="skip keyword matching")
    parser.add_argument("--chunk-bytes", type=int, default=DEFAULT_CHUNK_BYTES)
    parser.add_argument("--tz", default="UTC", help="zone of local times in DNS logs")
    parser.add_argument("--follow", action="store_true", help="keep reading, like tail -F")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes that analyse and archive chunks side by side (0: none, "
        "everything in this process)",
    )
    args = parser.parse_args(argv)

    classifier: UrlClassifier | None = None
    if args.lists:
        from warden.engine.lists import CategoryIndex

        classifier = CategoryIndex.load(args.lists)
    alerts: dict[str, int] = {}
    for item in args.alert:
        name, _, severity = item.partition("=")
        alerts[name] = int(severity) if severity else DEFAULT_CATEGORY_SEVERITY
    matcher = None
    if not args.no_keywords:
        phrases, exclusions = load_starter_library()
        matcher = KeywordMatcher.compile(phrases, exclusions)
    ingestor = Ingestor(
        school=args.school,
        fmt=args.format,
        checkpoints=FileCheckpointStore(args.checkpoints),
        sink=JsonlViolationSink(args.violations),
        archive_root=args.archive,
        classifier=classifier,
        matcher=matcher,
        alert_categories=alerts,
        attributor=IntervalAttributor(_leases_from_csv(args.leases)) if args.leases else None,
        chunk_bytes=args.chunk_bytes,
        tz=args.tz,
    )
    total = IngestResult()
    with contextlib.ExitStack() as stack:
        runner = None
        if args.workers > 0:
            from warden.engine.pipeline import Pipeline

            runner = stack.enter_context(Pipeline(ingestor, args.workers)).run_chunks
        for name in args.paths:
            if name == "-":
                total.add(ingestor.ingest_stream(sys.stdin.buffer, runner=runner))
            else:
                path = Path(name)
                total.add(ingestor.ingest_path(path, follow=args.follow, runner=runner))
    for bad in total.malformed[:20]:
        print(
            f"line {bad.line_no} (offset {bad.offset}): {bad.reason}: {bad.text}", file=sys.stderr
        )
    print(
        f"{total.lines} lines, {total.records} records, {total.malformed_count} malformed, "
        f"{total.violations} violations, {total.chunks} chunks"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
