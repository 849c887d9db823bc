"""Log ingestion through NATS JetStream: the server, the stream, publishers and workers.

* :func:`server_config` and :class:`NatsProcess` run a real ``nats-server`` with JetStream
  on loopback (``warden nats-dev``, and the tests);
* :func:`ensure_stream` creates or updates the stream :data:`~warden.engine.logbus.STREAM`
  and :func:`publish_file` publishes a log file's chunks to it (``warden ingest-publish``);
* :class:`IngestWorker` pulls chunks through the durable consumer
  :data:`~warden.engine.logbus.CONSUMER`, ingests each with the school's
  :class:`~warden.engine.ingest.Ingestor` and acknowledges it only after its violations,
  archive and per-chunk checkpoint are committed (``warden ingest-worker``).

The message contract is :mod:`warden.engine.logbus`; docs/log-streaming.md says how to run
it all and what "exactly once" means here.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import nats
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoServersError as NatsNoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    PubAck,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError

from warden.core.audit import audit_context, audit_log
from warden.core.models import School
from warden.core.tenancy import all_schools
from warden.engine import logbus
from warden.engine.ingest import (
    FINGERPRINT_BYTES,
    Checkpoint,
    CheckpointStore,
    FileCheckpointStore,
    Ingestor,
    IngestResult,
    source_identity,
)
from warden.engine.logs import FORMATS
from warden.monitoring.models.monitoring import IngestCheckpoint, Violation
from warden.monitoring.selectors.monitoring import STREAM_KEY_PREFIX
from warden.monitoring.services.monitoring import school_ingestor

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

NATS_SERVER = "/usr/sbin/nats-server"
SERVER_MAX_PAYLOAD = 8 * 1024 * 1024
"""The ``max_payload`` of the servers Warden starts: room for a 4 MiB chunk and its headers."""


# -- the server ----------------------------------------------------------------------------


def server_config(*, port: int, monitor_port: int, store_dir: Path, host: str = "127.0.0.1") -> str:
    """A ``nats-server`` configuration: clients and the monitoring endpoint on ``host``
    only, JetStream stored in ``store_dir``, 8 MiB payloads."""
    return "\n".join(
        [
            f'listen: "{host}:{port}"',
            f'http: "{host}:{monitor_port}"',
            f"max_payload: {SERVER_MAX_PAYLOAD}",
            "jetstream {",
            f"  store_dir: {json.dumps(str(store_dir))}",
            "}",
            "",
        ]
    )


def nats_server_binary() -> str | None:
    """The ``nats-server`` program: the Debian package's, or one on ``PATH``."""
    if Path(NATS_SERVER).exists():
        return NATS_SERVER
    return shutil.which("nats-server")


@dataclass
class NatsProcess:
    """A ``nats-server`` started with :func:`server_config` in ``workdir`` (its config, log
    and ``store`` folder). :meth:`start` waits until JetStream answers its health check."""

    workdir: Path
    port: int
    monitor_port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def store_dir(self) -> Path:
        return self.workdir / "store"

    @property
    def log_file(self) -> Path:
        return self.workdir / "nats-server.log"

    def command(self) -> list[str]:
        binary = nats_server_binary()
        if binary is None:
            raise FileNotFoundError(
                "nats-server is not installed (Debian: apt install nats-server)"
            )
        config = self.workdir / "nats-server.conf"
        return [binary, "-c", str(config), "-l", str(self.log_file)]

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.store_dir.mkdir(exist_ok=True)
        (self.workdir / "nats-server.conf").write_text(
            server_config(
                port=self.port,
                monitor_port=self.monitor_port,
                store_dir=self.store_dir,
                host=self.host,
            ),
            encoding="utf-8",
        )

    def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        self.process = subprocess.Popen(  # noqa: S603 - the server, with our own config
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.wait_ready(timeout)

    def healthy(self) -> bool:
        url = f"http://{self.host}:{self.monitor_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                return bool(json.load(answer).get("status") == "ok")
        except (OSError, ValueError):
            return False

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not become ready: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self) -> str:
        text = ""
        if self.process is not None and self.process.stderr is not None and self.process.poll():
            text = self.process.stderr.read().decode(errors="replace")
        if self.log_file.exists():
            text += self.log_file.read_text(errors="replace")
        return text[-2000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- the stream ------------------------------------------------------------------------------

STREAM_MAX_BYTES = 10 * 1024**3
"""Unprocessed chunks the stream holds at most (10 GiB); when it is full, publishers wait."""
STREAM_MAX_AGE = 7 * 24 * 3600.0
"""A chunk no worker has taken within 7 days is dropped (the source file is still there)."""
DUPLICATE_WINDOW = 24 * 3600.0
"""A chunk published again within a day is dropped by the server (``Nats-Msg-Id``)."""
ACK_WAIT = 60.0
MAX_DELIVER = 5
MAX_ACK_PENDING = 64


def stream_config() -> StreamConfig:
    """Work-queue retention: a chunk is deleted once a worker acknowledges it, so the
    limits bound what is waiting, not what was done. ``discard new``: when the stream is
    full a publish is refused (and retried) rather than an unprocessed chunk dropped."""
    return StreamConfig(
        name=logbus.STREAM,
        subjects=[f"{logbus.SUBJECT_PREFIX}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        max_bytes=STREAM_MAX_BYTES,
        max_age=STREAM_MAX_AGE,
        max_msg_size=SERVER_MAX_PAYLOAD,
        duplicate_window=DUPLICATE_WINDOW,
    )


async def ensure_stream(js: JetStreamContext) -> None:
    """Create the stream, or bring an existing one's limits up to date."""
    config = stream_config()
    try:
        await js.stream_info(logbus.STREAM)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


def consumer_config(name: str, subject: str, *, ack_wait: float) -> ConsumerConfig:
    """The durable pull consumer every worker shares: explicit acks, a chunk redelivered
    ``ack_wait`` seconds after its worker went quiet, at most ``MAX_DELIVER`` tries, and
    at most ``MAX_ACK_PENDING`` chunks out at once (the bound on work in flight)."""
    return ConsumerConfig(
        durable_name=name,
        filter_subject=subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_deliver=MAX_DELIVER,
        max_ack_pending=MAX_ACK_PENDING,
    )


async def connect(url: str, name: str) -> NATS:
    """A client connection that reconnects for as long as it is used; ConnectionError with
    the URL when the server cannot be reached at first."""
    parsed = urllib.parse.urlsplit(url if "://" in url else f"nats://{url}")
    try:
        # The client retries a first connection as often as later ones (for ever, here):
        # a server that is not there is found out first.
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parsed.hostname or "127.0.0.1", parsed.port or 4222),
            timeout=5,
        )
        writer.close()
        return await nats.connect(
            url, name=name, connect_timeout=5, max_reconnect_attempts=-1, allow_reconnect=True
        )
    except (OSError, ValueError, TimeoutError, NatsNoServersError, NatsTimeoutError) as exc:
        raise ConnectionError(f"cannot reach the NATS server at {url}: {exc}") from None


# -- publishing ----------------------------------------------------------------------------


@dataclass
class Published:
    """What :func:`publish_file` did."""

    path: str
    source: str = ""
    chunks: int = 0
    duplicates: int = 0
    bytes: int = 0
    lines: int = 0


def publish_progress(var_dir: Path) -> FileCheckpointStore:
    """Where publishers remember how far each file went (``VAR_DIR/jetstream``)."""
    return FileCheckpointStore(var_dir / "jetstream" / "published.json")


async def publish_file(
    js: JetStreamContext,
    *,
    school: str,
    fmt: str,
    path: Path,
    limit: int,
    progress: CheckpointStore | None = None,
    resume: bool = True,
    wait_seconds: float = 600.0,
) -> Published:
    """Publish a log file's complete lines as chunks to the school's subject, each after
    the server acknowledged the one before (its publish ack is the backpressure: a full
    stream refuses, and the chunk is retried for up to ``wait_seconds``).

    With ``progress``, a file published before resumes after its last acknowledged chunk
    (found by device and inode, and checked by its first bytes, as ``warden ingest``
    does); without, it is cut again from the start the same way, and the server drops the
    chunks it already has (``Nats-Msg-Id``), as workers skip chunks already ingested.
    ``resume=False`` starts from the beginning all the same (and records the new position).
    """
    done = Published(str(path))
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        head = handle.read(FINGERPRINT_BYTES)
        if not head:
            return done
        key = f"{school}:file:{stat.st_dev}:{stat.st_ino}"
        saved = progress.load(key) if progress is not None and resume else None
        if saved is not None and source_identity(head[: saved.fingerprint_len]) == saved.source_id:
            checkpoint = saved
        else:
            checkpoint = Checkpoint(key, source_identity(head), len(head), path=str(path))
        done.source = checkpoint.source_id
        chunks = logbus.cut_chunks(
            handle,
            fmt=fmt,
            source=checkpoint.source_id,
            limit=limit,
            index=checkpoint.chunk_index,
            offset=checkpoint.offset,
            line=checkpoint.line_no + 1,
        )
        for chunk in chunks:
            ack = await _publish(js, logbus.subject(school), chunk, wait_seconds)
            lines = chunk.data.count(b"\n")
            done.chunks += 1
            done.duplicates += bool(ack.duplicate)
            done.bytes += len(chunk.data)
            done.lines += lines
            checkpoint = replace(
                checkpoint,
                offset=chunk.offset + len(chunk.data),
                line_no=checkpoint.line_no + lines,
                chunk_index=chunk.index + 1,
                path=str(path),
            )
            if progress is not None:
                progress.save(checkpoint)
    return done


async def _publish(
    js: JetStreamContext, subject: str, chunk: logbus.Chunk, wait_seconds: float
) -> PubAck:
    deadline = time.monotonic() + wait_seconds
    pause = 0.5
    while True:
        try:
            return await js.publish(
                subject,
                chunk.data,
                timeout=30,
                stream=logbus.STREAM,
                headers=chunk.headers(subject),
            )
        except (APIError, NatsTimeoutError) as exc:
            # A full stream ("maximum bytes exceeded") or a busy server: wait and try again;
            # the same Nats-Msg-Id makes a retry of a chunk that did arrive harmless.
            if time.monotonic() + pause > deadline:
                raise PublishError(f"the stream did not take chunk {chunk.index}: {exc}") from exc
            logger.info("stream busy (%s); chunk %d again in %.1fs", exc, chunk.index, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)


class PublishError(Exception):
    pass


class ConsumerConflict(Exception):
    """A worker's consumer would take chunks another consumer of the stream takes: workers
    for every school and workers for named schools cannot run side by side."""


OVERLAPPING_CONSUMER = {10099, 10100}
"""The server's codes for a second consumer taking a work-queue stream's chunks (no filter;
a filter that overlaps another)."""


# -- workers -------------------------------------------------------------------------------


def chunk_key(chunk: logbus.Chunk) -> str:
    """The ``IngestCheckpoint`` key that says a chunk is committed."""
    return f"{STREAM_KEY_PREFIX}{chunk.source}:{chunk.index}"


MARKERS_KEPT = dt.timedelta(seconds=STREAM_MAX_AGE + DUPLICATE_WINDOW)
"""How long a chunk's marker is kept: by then the stream has dropped every copy of the
chunk (``STREAM_MAX_AGE`` after it was published, which was before it was committed) and
the server no longer drops a copy published again (``DUPLICATE_WINDOW``)."""


def prune_chunk_markers(now: dt.datetime | None = None) -> int:
    """Delete, for every school, the chunk markers older than :data:`MARKERS_KEPT`; how
    many went. The checkpoints of files and receivers stay."""
    cutoff = (now or timezone.now()) - MARKERS_KEPT
    with all_schools():
        deleted, _ = IngestCheckpoint.objects.filter(
            source_key__startswith=STREAM_KEY_PREFIX, updated_at__lt=cutoff
        ).delete()
    return deleted


def failed_dir() -> Path:
    """Where chunks no worker could ingest are kept, to be looked at and ingested by hand."""
    return Path(settings.VAR_DIR) / "jetstream" / "failed"


@dataclass
class PausedCheckpoints:
    """A checkpoint store that waits before each commit: ``--pause-before-commit`` holds a
    chunk half done (archived, not committed), to see what stopping a worker there does."""

    inner: CheckpointStore
    seconds: float

    def load(self, source_key: str) -> Checkpoint | None:
        return self.inner.load(source_key)

    def save(self, checkpoint: Checkpoint) -> None:
        time.sleep(self.seconds)
        self.inner.save(checkpoint)


@dataclass
class WorkerStats:
    ingested: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    violations: int = 0


class _Loop:
    """An event loop in a thread of its own for the NATS client, so that ingestion (Django,
    synchronous) runs in the caller's thread and the client keeps answering meanwhile."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="nats")
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self, coroutine: Coroutine[Any, Any, None]) -> concurrent.futures.Future[None]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


class IngestWorker:
    """Pulls chunks from the durable consumer (or, with ``schools``, each school's own)
    and ingests them one at a time, acknowledging each after its commit.

    A chunk whose ``IngestCheckpoint`` (:func:`chunk_key`) exists is acknowledged without
    work: it was committed by a worker that died before its ack. While a chunk is worked
    on, the worker tells the server so every ``ack_wait / 3`` seconds; a worker that dies
    stops saying so, and ``ack_wait`` later the chunk goes to another worker. A chunk that
    fails is redelivered after a pause, ``MAX_DELIVER`` times at most; then it is written
    under :func:`failed_dir` and terminated.
    """

    def __init__(
        self,
        url: str,
        *,
        schools: Sequence[str] = (),
        batch: int = 1,
        ack_wait: float = ACK_WAIT,
        fetch_seconds: float = 2.0,
        refresh_seconds: float = 60.0,
        retry_delay: float = 5.0,
        pause_before_commit: float = 0.0,
        report: Callable[[str], None] = logger.info,
    ) -> None:
        self.url = url
        self.schools = list(schools)
        self.batch = max(1, batch)
        self.ack_wait = ack_wait
        self.fetch_seconds = fetch_seconds
        self.refresh_seconds = refresh_seconds
        self.retry_delay = retry_delay
        self.pause_before_commit = pause_before_commit
        self.report = report
        self.stats = WorkerStats()
        self.stopping = threading.Event()
        self._loop = _Loop()
        self._client: NATS | None = None
        self._js: JetStreamContext | None = None
        self._subscriptions: list[tuple[str, JetStreamContext.PullSubscription]] = []
        self._ingestors: dict[tuple[int, str], tuple[float, Ingestor]] = {}

    # -- connection ------------------------------------------------------------------

    def connect(self) -> None:
        self._loop.run(self._connect())

    async def _connect(self) -> None:
        self._client = await connect(self.url, "warden-ingest-worker")
        self._js = self._client.jetstream()
        await ensure_stream(self._js)
        targets = (
            [(f"{logbus.CONSUMER}-{slug}", logbus.subject(slug)) for slug in self.schools]
            if self.schools
            else [(logbus.CONSUMER, f"{logbus.SUBJECT_PREFIX}.>")]
        )
        for name, subject in targets:
            config = consumer_config(name, subject, ack_wait=self.ack_wait)
            try:
                await self._js.add_consumer(logbus.STREAM, config)
            except APIError as exc:
                if exc.err_code in OVERLAPPING_CONSUMER:
                    raise ConsumerConflict(await self._conflict(name)) from None
                # Made before with other settings (another ack wait): every worker shares
                # the consumer as it is.
                logger.warning("consumer %s kept as it is: %s", name, exc)
            subscription = await self._js.pull_subscribe_bind(name, stream=logbus.STREAM)
            self._subscriptions.append((name, subscription))

    async def _conflict(self, name: str) -> str:
        assert self._js is not None
        others = sorted(
            info.name for info in await self._js.consumers_info(logbus.STREAM) if info.name != name
        )
        return (
            f"the consumer {name} cannot be made: the stream hands each chunk to one consumer "
            f"only, and {', '.join(others)} already takes these chunks. Run every worker with "
            "--school, or every worker without it"
        )

    def close(self) -> None:
        if self._client is not None:
            self._loop.run(self._client.close(), timeout=30)
            self._client = None
        self._loop.close()

    def warm(self, fmt: str = "squid") -> None:
        """Build the named schools' ingestors now (the keyword library's compilation above
        all), so the first chunk is not held up by it. A worker for every school builds
        each one when its first chunk comes."""
        for slug in self.schools:
            school = School.objects.filter(slug=slug).first()
            if school is not None:
                self.ingestor(school, fmt)

    def __enter__(self) -> IngestWorker:
        self.connect()
        self.warm()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the loop --------------------------------------------------------------------

    def run(self, *, until_idle: bool = False) -> WorkerStats:
        """Work until :attr:`stopping` is set (SIGTERM: the chunk in hand is finished and
        acknowledged first) or, with ``until_idle``, until nothing is waiting or in flight."""
        while not self.stopping.is_set():
            if self.run_once() == 0 and until_idle and self.idle():
                break
        return self.stats

    def run_once(self) -> int:
        """One fetch from each consumer, at most ``batch`` chunks each, all ingested: a
        worker takes no more than it can work on, so a slow database slows its pulls."""
        handled = 0
        for _name, subscription in self._subscriptions:
            messages = self._loop.run(self._fetch(subscription))
            for message in messages:
                if self.stopping.is_set():
                    # Not started: back to the stream at once for another worker.
                    self._loop.run(message.nak())
                    continue
                self.handle(message)
                handled += 1
        return handled

    async def _fetch(self, subscription: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await subscription.fetch(self.batch, timeout=self.fetch_seconds)
        except NatsTimeoutError:
            return []
        except NatsError as exc:
            # The server went away: the client reconnects by itself; ask again shortly.
            logger.warning("fetching chunks failed (%s); trying again", exc)
            await asyncio.sleep(1)
            return []

    def idle(self) -> bool:
        """Nothing waiting for these consumers and nothing delivered but unacknowledged."""
        assert self._js is not None
        for name, _subscription in self._subscriptions:
            info = self._loop.run(self._js.consumer_info(logbus.STREAM, name))
            if info.num_pending or info.num_ack_pending:
                return False
        return True

    # -- one chunk -------------------------------------------------------------------

    def handle(self, message: Msg) -> None:
        found: School | None = None
        try:
            slug = logbus.school_of(message.subject)
            found = School.objects.filter(slug=slug).first()
            chunk = logbus.Chunk.from_message(message.headers, message.data)
            if chunk.fmt not in FORMATS:
                raise ValueError(f"unknown log format {chunk.fmt!r}")
            if found is None:
                raise ValueError(f"no school {slug!r}")
            school = found
        except ValueError as exc:
            # Nothing a retry could change.
            self._give_up(message, str(exc), found)
            return
        key = chunk_key(chunk)
        if IngestCheckpoint.objects.filter(school=school, source_key=key).exists():
            self.report(f"{slug}: chunk {key} already ingested; acknowledged")
            self.stats.skipped += 1
            self._acknowledge(message)
            return
        self.report(f"{slug}: chunk {key} started ({len(chunk.data)} bytes)")
        heartbeat = self._loop.start(self._heartbeat(message))
        try:
            result = self._ingest(school, chunk)
        except Exception as exc:
            heartbeat.cancel()
            logger.exception("chunk %s of %s failed", key, slug)
            if message.metadata.num_delivered >= MAX_DELIVER:
                self._give_up(message, f"{type(exc).__name__}: {exc}", school)
            else:
                self.stats.retried += 1
                self._loop.run(message.nak(delay=self.retry_delay))
            return
        heartbeat.cancel()
        self._acknowledge(message)
        self.stats.ingested += 1
        self.stats.violations += result.violations
        self.report(
            f"{slug}: chunk {key} ingested: {result.lines} lines, {result.violations} violations"
        )

    def _acknowledge(self, message: Msg) -> None:
        try:
            self._loop.run(message.ack_sync(timeout=10))
        except (NatsError, TimeoutError) as exc:
            # Committed all the same: the chunk comes back once ack_wait has passed and is
            # then skipped as already ingested.
            logger.warning("acknowledging %s failed (%s)", message.subject, exc)

    async def _heartbeat(self, message: Msg) -> None:
        while True:
            await asyncio.sleep(max(self.ack_wait / 3, 0.5))
            await message.in_progress()

    def _ingest(self, school: School, chunk: logbus.Chunk) -> IngestResult:
        ingestor = self.ingestor(school, chunk.fmt)
        checkpoint = Checkpoint(
            source_key=chunk_key(chunk),
            source_id=chunk.source,
            fingerprint_len=0,
            offset=chunk.offset,
            line_no=chunk.line - 1,
            chunk_index=chunk.index,
            path=f"{logbus.subject(school.slug)}#{chunk.index}",
        )
        before = Violation.objects.filter(school=school).count()
        _committed, result = ingestor.process_chunk(checkpoint, chunk.data, chunk.offset)
        new = Violation.objects.filter(school=school).count() - before
        _audit(
            "logs.ingested",
            school,
            format=chunk.fmt,
            sources=f"{logbus.STREAM} {chunk_key(chunk)}"[:500],
            lines=result.lines,
            malformed=result.malformed_count,
            violations_new=new,
            interrupted=False,
        )
        return result

    def ingestor(self, school: School, fmt: str) -> Ingestor:
        """The school's ingestor, built again every ``refresh_seconds`` so that new
        keywords, leases and filtering snapshots apply."""
        key = (school.pk, fmt)
        cached = self._ingestors.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.refresh_seconds:
            return cached[1]
        ingestor, _setup = school_ingestor(actor=None, school=school, fmt=fmt)
        if self.pause_before_commit:
            ingestor.checkpoints = PausedCheckpoints(ingestor.checkpoints, self.pause_before_commit)
        self._ingestors[key] = (time.monotonic(), ingestor)
        return ingestor

    def _give_up(self, message: Msg, reason: str, school: School | None) -> None:
        """Keep the chunk and why under :func:`failed_dir`, audit it as
        ``logs.chunk_failed`` (under its school when there is one), then stop its
        redelivery."""
        headers = dict(message.headers or {})
        name = f"{headers.get(logbus.H_SOURCE, 'unknown')}:{message.metadata.sequence.stream}"
        folder = failed_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name.replace(':', '-')}.log").write_bytes(message.data)
        (folder / f"{name.replace(':', '-')}.json").write_text(
            json.dumps(
                {
                    "subject": message.subject,
                    "headers": headers,
                    "reason": reason,
                    "deliveries": message.metadata.num_delivered,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
        logger.error("chunk on %s given up (%s); kept in %s", message.subject, reason, folder)
        try:
            _audit(
                "logs.chunk_failed",
                school,
                subject=message.subject[:500],
                chunk=_key_of(headers, name)[:500],
                reason=reason[:500],
                deliveries=message.metadata.num_delivered,
            )
        except DatabaseError:
            # The database may be why the chunk failed: the kept files and the log say it.
            logger.exception("auditing the chunk given up on %s failed", message.subject)
        self.report(f"chunk on {message.subject} given up: {reason}")
        self.stats.failed += 1
        self._loop.run(message.term())


def _key_of(headers: dict[str, str], fallback: str) -> str:
    """A given-up chunk's :func:`chunk_key` when its headers name its source and index."""
    source, index = headers.get(logbus.H_SOURCE), headers.get(logbus.H_CHUNK)
    return f"nats:{source}:{index}" if source and index else f"nats:{fallback}"


def _audit(
    action: Literal["logs.ingested", "logs.chunk_failed"], school: School | None, **values: object
) -> None:
    """An entry of a worker's, under ``school`` when there is one."""
    with audit_context(via="cli", acting_school=school):
        audit_log(
            actor=None,
            action=action,
            school=school,
            changes={name: [None, value] for name, value in values.items()},
        )
