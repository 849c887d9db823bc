from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from warden.engine.ingest import (
    Checkpoint,
    IngestResult,
    IntervalAttributor,
    JsonlViolationSink,
    Lease,
    MemoryCheckpointStore,
    MemoryViolationSink,
    Violation,
)
from warden.engine.keywords import KeywordMatcher, load_starter_library
from warden.engine.lists import ListBuilder
from warden.engine.pipeline import Pipeline
from warden.engine.tests.test_ingest import (
    START,
    Breaks,
    TinyClassifier,
    archived,
    committed_offset,
    generated_log,
    ingestor,
    kill_once_committed,
    line,
    run_cli,
    write_log,
)

CHUNK = 40_000


@pytest.fixture(scope="module")
def matcher() -> KeywordMatcher:
    phrases, exclusions = load_starter_library()
    return KeywordMatcher.compile(phrases, exclusions)


def parquet_files(root: Path) -> list[Path]:
    return sorted(path.relative_to(root) for path in root.rglob("*.parquet"))


def engine(tmp_path: Path, matcher: KeywordMatcher, **options: object):
    """An ingestor with everything switched on: the lists, alerts, leases and keywords."""
    builder = ListBuilder()
    builder.add_domains([f"site{n}.example" for n in range(1, 300, 7)], "gambling")
    builder.add_urls(["site5.example/page/1"], "weapons")
    leases = [
        Lease(f"10.0.{n}.{m}", START, None, f"pupil-{n}-{m}") for n in range(3) for m in (1, 9)
    ]
    defaults: dict[str, object] = {
        "classifier": builder.build(),
        "alert_categories": {"gambling": 2, "weapons": 4},
        "attributor": IntervalAttributor(leases, {"alice": "pupil-alice"}),
        "chunk_bytes": CHUNK,
    }
    return ingestor(tmp_path, matcher, **{**defaults, **options})


def test_a_pipelined_run_gives_what_a_serial_run_gives(tmp_path, matcher):
    lines = generated_log(20_000)
    # A line longer than a chunk makes a chunk of its own, too big for a worker's slot.
    lines.insert(9_000, line(START, "10.0.1.9", "https://long.example/" + "a" * CHUNK))
    log = write_log(tmp_path / "access.log", lines)
    serial = engine(tmp_path / "serial", matcher)
    expected = serial.ingest_path(log)
    assert expected.chunks > 20
    assert expected.violations > 200

    piped = engine(tmp_path / "piped", matcher)
    with Pipeline(piped, workers=2) as pipeline:
        got = pipeline.ingest_path(log)
        # The same source again adds nothing, pipelined too.
        again = pipeline.ingest_path(log)

    assert isinstance(serial.sink, MemoryViolationSink)
    assert isinstance(piped.sink, MemoryViolationSink)
    assert piped.sink.violations == serial.sink.violations
    assert isinstance(serial.checkpoints, MemoryCheckpointStore)
    assert isinstance(piped.checkpoints, MemoryCheckpointStore)
    assert piped.checkpoints.checkpoints == serial.checkpoints.checkpoints
    assert parquet_files(tmp_path / "piped") == parquet_files(tmp_path / "serial")
    assert archived(tmp_path / "piped" / "archive") == archived(tmp_path / "serial" / "archive")
    counts = ("lines", "records", "chunks", "bytes", "violations", "malformed_count")
    assert [getattr(got, name) for name in counts] == [getattr(expected, name) for name in counts]
    assert [p.relative_to(tmp_path / "piped") for p in got.files] == [
        p.relative_to(tmp_path / "serial") for p in expected.files
    ]
    assert (again.chunks, again.violations) == (0, 0)


def test_a_broken_stream_commits_what_was_read_and_resumes_like_a_serial_one(tmp_path, matcher):
    data = "".join(generated_log(6_000)).encode() + b"a last line without its newline"
    serial = engine(tmp_path / "serial", matcher)
    with pytest.raises(ConnectionResetError):
        serial.ingest_stream(Breaks(data, 8))
    assert isinstance(serial.checkpoints, MemoryCheckpointStore)
    [broken_at] = serial.checkpoints.checkpoints.values()

    piped = engine(tmp_path / "piped", matcher)
    with Pipeline(piped, workers=2, ahead=3) as pipeline:
        with pytest.raises(ConnectionResetError):
            pipeline.ingest_stream(Breaks(data, 8))  # type: ignore[arg-type]
        assert isinstance(piped.checkpoints, MemoryCheckpointStore)
        assert list(piped.checkpoints.checkpoints.values()) == [broken_at]
        assert 0 < broken_at.offset < len(data)
        serial.ingest_stream(io.BytesIO(data))
        rest = pipeline.ingest_stream(io.BytesIO(data))
    assert rest.chunks and rest.malformed_count == 1
    assert piped.checkpoints.checkpoints == serial.checkpoints.checkpoints
    assert piped.sink.violations == serial.sink.violations
    assert archived(tmp_path / "piped" / "archive") == archived(tmp_path / "serial" / "archive")


class Recorder:
    """A sink and a checkpoint store in one, keeping every call in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self.saved: dict[str, Checkpoint] = {}

    def deliver(self, violations: Sequence[Violation]) -> None:
        self.events.append(("deliver", [v.offset for v in violations]))

    def load(self, source_key: str) -> Checkpoint | None:
        return self.saved.get(source_key)

    def save(self, checkpoint: Checkpoint) -> None:
        self.saved[checkpoint.source_key] = checkpoint
        self.events.append(("save", checkpoint))


class Sleepy(TinyClassifier):
    """Takes its time over one host, so the chunk it is in finishes after later ones."""

    def categories_for_host(self, host: str) -> tuple[str, ...]:
        if host == "slow.example":
            time.sleep(1.0)
        return super().categories_for_host(host)


def test_chunks_commit_in_order_even_when_a_later_one_is_ready_first(tmp_path, matcher):
    lines = [line(START, "10.0.0.5", "https://slow.example/"), *generated_log(8_000)]
    log = write_log(tmp_path / "access.log", lines)
    recorder = Recorder()
    classifier = Sleepy({"site3.example": ("gambling",)}, {})
    run = ingestor(
        tmp_path,
        matcher,
        sink=recorder,
        checkpoints=recorder,
        classifier=classifier,
        alert_categories={"gambling": 1},
        chunk_bytes=CHUNK,
    )
    with Pipeline(run, workers=2, ahead=4) as pipeline:
        result = pipeline.ingest_path(log)

    # The second chunk's archive was written while the first was still being analysed.
    [first] = (tmp_path / "archive").rglob("*-000000.parquet")
    [second] = (tmp_path / "archive").rglob("*-000001.parquet")
    assert second.stat().st_mtime_ns < first.stat().st_mtime_ns
    # Yet every chunk committed in order: its violations, then its checkpoint.
    saves = [event for kind, event in recorder.events if kind == "save"]
    assert [c.chunk_index for c in saves] == list(range(1, result.chunks + 1))  # type: ignore[attr-defined]
    start = 0
    delivered = 0
    pending: list[int] = []
    for kind, event in recorder.events:
        if kind == "deliver":
            assert isinstance(event, list)
            assert all(start <= offset for offset in event)
            delivered += len(event)
            pending = event
        else:
            assert isinstance(event, Checkpoint)
            assert event.offset > start
            assert all(offset < event.offset for offset in pending)
            start = event.offset
            pending = []
    assert start == log.stat().st_size
    assert delivered == result.violations > 50


class Failing(TinyClassifier):
    """Fails on one host: raises, or kills the process it runs in."""

    def __init__(self, host: str | None, *, kill: bool = False):
        super().__init__({"site3.example": ("gambling",)}, {})
        self.host = host
        self.kill = kill

    def categories_for_host(self, host: str) -> tuple[str, ...]:
        if host == self.host:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            raise ValueError(f"cannot classify {host}")
        return super().categories_for_host(host)


@pytest.mark.parametrize(
    ("kill", "error"), [(False, ValueError), (True, BrokenProcessPool)], ids=["raises", "dies"]
)
def test_a_failing_worker_stops_the_run_and_nothing_after_its_chunk_commits(
    tmp_path, matcher, kill, error
):
    lines = generated_log(12_000)
    # A line of its own in the middle, on a host only it has.
    lines.insert(6_000, line(START, "10.0.0.5", "https://boom.example/"))
    log = write_log(tmp_path / "access.log", lines)
    failed_at = sum(len(text) for text in lines[:6_000])

    clean = ingestor(
        tmp_path / "clean",
        matcher,
        classifier=Failing(None),
        alert_categories={"gambling": 1},
        chunk_bytes=CHUNK,
    )
    clean.ingest_path(log)

    store = MemoryCheckpointStore()
    sink = MemoryViolationSink()

    def run(host: str | None) -> IngestResult:
        broken = ingestor(
            tmp_path / "broken",
            matcher,
            checkpoints=store,
            sink=sink,
            classifier=Failing(host, kill=kill),
            alert_categories={"gambling": 1},
            chunk_bytes=CHUNK,
        )
        with Pipeline(broken, workers=2, ahead=6) as pipeline:
            return pipeline.ingest_path(log)

    with pytest.raises(error):
        run("boom.example")
    [saved] = store.checkpoints.values()
    # Committed: none from the failed chunk on; every chunk before it when the worker
    # raised, while a worker that died takes the chunks in flight on others down with it.
    assert saved.offset <= failed_at
    if not kill:
        assert failed_at < saved.offset + CHUNK
    assert sink.violations
    assert all(v.offset < saved.offset for v in sink.violations.values())

    run(None)
    assert sink.violations == clean.sink.violations  # type: ignore[attr-defined]
    assert store.checkpoints == clean.checkpoints.checkpoints  # type: ignore[attr-defined]
    assert archived(tmp_path / "broken" / "archive") == archived(tmp_path / "clean" / "archive")


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in command:
            found.append(int(entry.name))
    return found


def test_a_killed_pipelined_run_resumes_to_the_same_result_as_one_clean_run(tmp_path):
    log = write_log(tmp_path / "access.log", generated_log(40_000))
    size = log.stat().st_size
    clean = run_cli(tmp_path, log, "clean")
    assert clean.wait(timeout=120) == 0, clean.stderr.read() if clean.stderr else ""

    killed = run_cli(tmp_path, log, "killed", "--workers=2")
    checkpoint = tmp_path / "killed" / "checkpoints.json"
    kill_once_committed(killed, checkpoint, size // 4)
    assert 0 < committed_offset(checkpoint) < size
    # The workers (forks of the killed process, with its command line) go away too.
    marker = str(tmp_path / "killed" / "archive")
    deadline = time.monotonic() + 10
    while processes_mentioning(marker):
        assert time.monotonic() < deadline, "workers outlived the killed run"
        time.sleep(0.05)

    resumed = run_cli(tmp_path, log, "killed", "--workers=2")
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read() if resumed.stderr else ""
    assert committed_offset(checkpoint) == size
    clean_violations = JsonlViolationSink(tmp_path / "clean" / "violations.jsonl").read()
    resumed_violations = JsonlViolationSink(tmp_path / "killed" / "violations.jsonl").read()
    assert len(clean_violations) > 100
    assert sorted(resumed_violations, key=lambda v: str(v["id"])) == sorted(
        clean_violations, key=lambda v: str(v["id"])
    )
    assert parquet_files(tmp_path / "killed") == parquet_files(tmp_path / "clean")
    assert archived(tmp_path / "killed" / "archive") == archived(tmp_path / "clean" / "archive")
