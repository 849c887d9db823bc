"""Pipelined ingestion on one machine: chunks analysed and archived side by side in worker
processes, committed in order by this one.

:class:`~warden.engine.ingest.Ingestor` ingests a chunk at a time on one core: parse,
attribute, classify, match keywords, write the archive (zstd Parquet, fsynced), deliver
the violations, save the checkpoint. :class:`Pipeline` splits that at the one place where
order matters. Worker processes each take whole chunks (their index, offset and bytes) and
do everything up to a durable archive file (:meth:`Ingestor.prepare_chunk`); this process
reads and cuts the chunks ahead, a bounded number at a time (backpressure), and commits
them strictly in chunk order (:meth:`Ingestor.commit_chunk`): the violations to the sink,
then the checkpoint. So the guarantees of serial ingestion hold unchanged: a chunk's
violations and its checkpoint commit together after its archive file is durable, and a run
killed at any point (this process or a worker) leaves only uncommitted chunks, which the
next run redoes into the same files and the same violation ids.

Chunks reach the workers through slots of memory shared at the fork (one a chunk in
flight), which costs a worker far less than reading them from a pipe; their line counts are
taken here, so line numbers run on without waiting for earlier chunks to be parsed.

Workers are forked when the first chunk is submitted, so they inherit the compiled lists,
the keyword matcher and the attribution table as they are, without pickling them; each
keeps its own per-host cache warm across chunks. The sink and the checkpoint store stay in
this process: in a worker they are replaced by ones that refuse every call, so a
database-backed store can never be used from a child. A worker watches for this process to
go away and then exits, so a killed run leaves no workers behind. Anything the ingestor
calls while analysing (classifier, attributor, ``group_for``) runs in the workers and must
work after a fork without a database.

A chunk a worker fails on raises here (the worker's exception, or
``BrokenProcessPool`` when the worker died) once every chunk before it is committed;
nothing after it is committed.
"""

from __future__ import annotations

import mmap
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from warden.engine import _native as native
from warden.engine.ingest import Checkpoint, Ingestor, IngestResult, PreparedChunk, Violation

__all__ = ["Pipeline", "default_workers"]


def default_workers() -> int:
    """One worker a CPU this process may use: the committing process itself mostly waits."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Pipeline:
    """Runs an :class:`Ingestor`'s chunks in ``workers`` forked processes, at most ``ahead``
    chunks in flight (twice the workers unless given). Use as a context manager, or call
    :meth:`close`; the workers start with the first chunk and serve every later call."""

    def __init__(self, ingestor: Ingestor, workers: int | None = None, ahead: int | None = None):
        self.ingestor = ingestor
        self.workers = workers if workers is not None else default_workers()
        if self.workers < 1:
            raise ValueError("a pipeline needs at least one worker")
        self.ahead = ahead if ahead is not None else 2 * self.workers
        if self.ahead < 1:
            raise ValueError("a pipeline needs at least one chunk in flight")
        self._pool: ProcessPoolExecutor | None = None
        self._slot_bytes = ingestor.chunk_bytes
        self._slots: list[mmap.mmap] = []

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (after the chunks they are on)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for slot in self._slots:
            slot.close()
        self._slots = []

    def ingest_path(self, path: Path, **options: Any) -> IngestResult:
        """:meth:`Ingestor.ingest_path`, pipelined."""
        return self.ingestor.ingest_path(path, runner=self.run_chunks, **options)

    def ingest_stream(self, stream: BinaryIO, name: str = "stdin") -> IngestResult:
        """:meth:`Ingestor.ingest_stream`, pipelined."""
        return self.ingestor.ingest_stream(stream, name, runner=self.run_chunks)

    def run_chunks(
        self, checkpoint: Checkpoint, chunks: Iterable[tuple[int, bytes]]
    ) -> IngestResult:
        """Ingest a source's (offset, whole lines) chunks from ``checkpoint``: prepared in the
        workers, committed here in order (a :data:`~warden.engine.ingest.ChunkRunner`)."""
        pool = self._start()
        result = IngestResult()
        # In submission order: (prepared chunk to come, its offset, its line count).
        pending: deque[tuple[Future[PreparedChunk], int, int]] = deque()
        index, line_no = checkpoint.chunk_index, checkpoint.line_no
        source = iter(chunks)
        try:
            while True:
                try:
                    offset, data = next(source)
                except StopIteration:
                    break
                except BaseException:
                    # The source failed (a broken pipe): what was read before commits, as
                    # it would have one chunk at a time.
                    while pending:
                        checkpoint = self._commit(checkpoint, *pending.popleft(), result)
                    raise
                # Line numbers run on from the chunks before, so a chunk's lines are counted
                # here rather than waiting for the chunk before it to be parsed.
                lines = native.count_lines(data) + (not data.endswith(b"\n"))
                placed = replace(checkpoint, offset=offset, line_no=line_no, chunk_index=index)
                pending.append((self._submit(pool, placed, data, offset), offset, lines))
                index += 1
                line_no += lines
                while len(pending) >= self.ahead:
                    checkpoint = self._commit(checkpoint, *pending.popleft(), result)
            while pending:
                checkpoint = self._commit(checkpoint, *pending.popleft(), result)
        except BaseException:
            for future, _offset, _lines in pending:
                future.cancel()
            # A worker that died leaves the pool unusable; a later call starts a new one.
            self.close()
            raise
        return result

    def _commit(
        self,
        checkpoint: Checkpoint,
        future: Future[PreparedChunk],
        offset: int,
        lines: int,
        result: IngestResult,
    ) -> Checkpoint:
        prepared = future.result()
        if prepared.offset != checkpoint.offset or offset != checkpoint.offset:
            raise RuntimeError(
                f"chunk at offset {prepared.offset} came back where the checkpoint is at "
                f"{checkpoint.offset}"
            )
        if prepared.result.lines != lines:
            raise RuntimeError(
                f"chunk at offset {offset}: {prepared.result.lines} lines parsed, {lines} counted"
            )
        committed, done = self.ingestor.commit_chunk(checkpoint, prepared)
        result.add(done)
        return committed

    def _submit(
        self, pool: ProcessPoolExecutor, placed: Checkpoint, data: bytes, offset: int
    ) -> Future[PreparedChunk]:
        """Hand a chunk to the workers: through a slot of shared memory when it fits (a
        pipe costs the receiving worker more than a copy), else through the pool's pipe.
        At most ``ahead`` chunks are uncommitted, each a slot of its own: chunk ``n``'s slot
        was last used by chunk ``n - ahead``, committed before ``n`` is read."""
        if len(data) > self._slot_bytes:
            return pool.submit(_prepare, placed, data, offset)
        slot = placed.chunk_index % self.ahead
        self._slots[slot][: len(data)] = data
        return pool.submit(_prepare_slot, placed, slot, len(data), offset)

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Shared with the workers: anonymous shared mappings survive the fork.
            self._slots = [mmap.mmap(-1, self._slot_bytes) for _ in range(self.ahead)]
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("fork"),
                initializer=_install,
                initargs=(self.ingestor, os.getpid(), self._slots),
            )
        return self._pool


# -- in a worker ------------------------------------------------------------------------

_INGESTOR: Ingestor | None = None
_SLOTS: list[mmap.mmap] = []
_PARENT_POLL_SECONDS = 0.2


class _NotInWorkers:
    """The sink and checkpoint store of a worker's copy of the ingestor: commits happen in
    the parent only."""

    def load(self, source_key: str) -> Checkpoint | None:
        raise _refusal()

    def save(self, checkpoint: Checkpoint) -> None:
        raise _refusal()

    def deliver(self, violations: Sequence[Violation]) -> None:
        raise _refusal()


def _refusal() -> RuntimeError:
    return RuntimeError("a pipeline worker never commits: the parent delivers and saves")


def _install(ingestor: Ingestor, parent: int, slots: list[mmap.mmap]) -> None:
    """Set up a freshly forked worker (inherited, not pickled: the pool forks)."""
    global _INGESTOR, _SLOTS
    _SLOTS = slots
    guard = _NotInWorkers()
    ingestor.sink = guard
    ingestor.checkpoints = guard
    _INGESTOR = ingestor
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """Exit when the parent is gone (the pool's pipes would otherwise keep this worker
    waiting for work forever): its chunks could never be committed anyway."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _prepare(checkpoint: Checkpoint, data: bytes, offset: int) -> PreparedChunk:
    assert _INGESTOR is not None, "not in a pipeline worker"
    return _INGESTOR.prepare_chunk(checkpoint, data, offset)


def _prepare_slot(checkpoint: Checkpoint, slot: int, length: int, offset: int) -> PreparedChunk:
    # Copied out first: the slot is the parent's again once this chunk is committed.
    return _prepare(checkpoint, _SLOTS[slot][:length], offset)
