from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from warden.engine import archive
from warden.engine.ingest import (
    FileCheckpointStore,
    Ingestor,
    IntervalAttributor,
    JsonlViolationSink,
    Lease,
    MemoryCheckpointStore,
    MemoryViolationSink,
)
from warden.engine.keywords import KeywordMatcher, load_starter_library

UTC = dt.UTC
START = dt.datetime(2024, 3, 15, 9, 0, tzinfo=UTC)


class TinyClassifier:
    """The two calls the pipeline needs, over a dict of host suffixes and URL prefixes."""

    def __init__(self, hosts: dict[str, tuple[str, ...]], urls: dict[str, tuple[str, ...]]):
        self.hosts = hosts
        self.urls = urls

    def categories_for_host(self, host: str) -> tuple[str, ...]:
        host = host.lower().split(":")[0]
        for suffix, cats in self.hosts.items():
            if host == suffix or host.endswith("." + suffix):
                return cats
        return ()

    def categories_for_url(self, url: str) -> tuple[str, ...]:
        rest = url.split("://", 1)[-1]
        cats = self.categories_for_host(rest.split("/")[0])
        for prefix, extra in self.urls.items():
            if rest.startswith(prefix):
                cats = cats + extra
        return cats


@pytest.fixture(scope="module")
def matcher() -> KeywordMatcher:
    phrases, exclusions = load_starter_library()
    return KeywordMatcher.compile(phrases, exclusions)


def line(when: dt.datetime, ip: str, url: str, user: str = "-", method: str = "GET") -> str:
    action = "TCP_TUNNEL/200" if method == "CONNECT" else "TCP_MISS/200"
    return (
        f"{when.timestamp():.3f} {15:6d} {ip} {action} 1234 {method} {url} {user} "
        "HIER_DIRECT/93.184.216.34 text/html\n"
    )


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines))
    return path


def ingestor(tmp_path: Path, matcher: KeywordMatcher | None, **options) -> Ingestor:
    defaults: dict[str, object] = {
        "school": "north-high",
        "fmt": "squid",
        "checkpoints": MemoryCheckpointStore(),
        "sink": MemoryViolationSink(),
        "archive_root": tmp_path / "archive",
        "matcher": matcher,
    }
    defaults.update(options)
    return Ingestor(**defaults)  # type: ignore[arg-type]


def test_google_search_for_self_harm_phrase_gives_severity_5_violation(tmp_path, matcher):
    when = START + dt.timedelta(minutes=5)
    log = write_log(
        tmp_path / "access.log",
        [
            line(START, "10.0.0.5", "https://www.bbc.co.uk/news"),
            line(when, "10.0.0.5", "https://www.google.co.uk/search?q=how+to+cut+myself&oq=how"),
            line(when, "10.0.0.6", "https://www.google.com/search?q=h0w+t0+cut+mys3lf", "jsmith"),
        ],
    )
    run = ingestor(
        tmp_path,
        matcher,
        attributor=IntervalAttributor(
            [Lease("10.0.0.5", START, None, "pupil-17")], {"jsmith": "pupil-42"}
        ),
    )
    result = run.ingest_path(log)
    assert (result.lines, result.records, result.violations) == (3, 3, 2)
    sink = run.sink
    assert isinstance(sink, MemoryViolationSink)
    plain, leet = sorted(sink.violations.values(), key=lambda v: v.line_no)
    assert (plain.kind, plain.category, plain.severity, plain.phrase) == (
        "keyword",
        "self-harm",
        5,
        "how to cut myself",
    )
    assert plain.url == "https://www.google.co.uk/search?q=how+to+cut+myself&oq=how"
    assert (plain.search_engine, plain.search_term) == ("google", "how to cut myself")
    assert (plain.person_id, plain.client_ip, plain.ts) == ("pupil-17", "10.0.0.5", when)
    assert plain.decision == "allowed"
    assert (leet.phrase, leet.severity, leet.search_term, leet.matched_text) == (
        "how to cut myself",
        5,
        "h0w t0 cut mys3lf",
        "h0w t0 cut mys3lf",
    )
    assert (leet.person_id, leet.username) == ("pupil-42", "jsmith")


def test_keyword_in_an_ordinary_url_is_reported_without_a_search_term(tmp_path, matcher):
    log = write_log(
        tmp_path / "access.log",
        [line(START, "10.0.0.5", "https://forum.example/how-to-make-a-pipe-bomb")],
    )
    run = ingestor(tmp_path, matcher)
    run.ingest_path(log)
    assert isinstance(run.sink, MemoryViolationSink)
    found = {(v.phrase, v.category, v.search_term) for v in run.sink.violations.values()}
    assert found == {
        ("how to make a pipe bomb", "weapons", None),
        ("pipe bomb", "weapons", None),
    }


def test_visits_to_alert_categories_are_violations_with_their_severity(tmp_path):
    classifier = TinyClassifier(
        {"bet365.com": ("gambling",), "example.org": ()},
        {"example.org/dl/": ("weapons",)},
    )
    log = write_log(
        tmp_path / "access.log",
        [
            line(START, "10.0.0.5", "www.bet365.com:443", method="CONNECT"),
            line(START, "10.0.0.5", "https://example.org/dl/guns.pdf"),
            line(START, "10.0.0.5", "https://example.org/home"),
        ],
    )
    run = ingestor(
        tmp_path, None, classifier=classifier, alert_categories={"gambling": 2, "weapons": 4}
    )
    run.ingest_path(log)
    assert isinstance(run.sink, MemoryViolationSink)
    found = sorted(
        (v.line_no, v.kind, v.category, v.severity) for v in run.sink.violations.values()
    )
    assert found == [(1, "category", "gambling", 2), (2, "category", "weapons", 4)]
    rows = archive.query(tmp_path / "archive", columns=["line_no", "categories"]).to_pylist()
    assert [r["categories"] for r in sorted(rows, key=lambda r: r["line_no"])] == [
        ["gambling"],
        ["weapons"],
        [],
    ]


def test_category_index_from_the_lists_module_classifies_hosts_and_urls(tmp_path):
    lists = pytest.importorskip("warden.engine.lists")
    builder = lists.ListBuilder()
    builder.add_domains(["bet365.com"], "gambling")
    builder.add_urls(["example.org/dl"], "weapons")
    index = builder.build()
    log = write_log(
        tmp_path / "access.log",
        [
            line(START, "10.0.0.5", "www.bet365.com:443", method="CONNECT"),
            line(START, "10.0.0.5", "https://www.example.org/dl/guns.pdf"),
            line(START, "10.0.0.5", "https://www.example.org/home"),
        ],
    )
    run = ingestor(tmp_path, None, classifier=index, alert_categories={"gambling": 2, "weapons": 4})
    run.ingest_path(log)
    assert isinstance(run.sink, MemoryViolationSink)
    assert sorted((v.line_no, v.category) for v in run.sink.violations.values()) == [
        (1, "gambling"),
        (2, "weapons"),
    ]


def test_attribution_prefers_a_known_username_then_the_lease_at_that_moment():
    leases = [
        Lease("10.0.0.5", START, START + dt.timedelta(hours=1), "morning"),
        Lease("10.0.0.5", START + dt.timedelta(hours=1), None, "afternoon"),
        Lease("10.0.0.6", START, None, "other"),
    ]
    attributor = IntervalAttributor(leases, {"Jsmith": "pupil-42"})
    ts = [START + dt.timedelta(minutes=m) for m in (10, 70, 70, 5, 5)]
    people = attributor.person_ids(
        pa.array([None, None, "SCHOOL\\jsmith", "nobody", None]),
        pa.array(["10.0.0.5", "10.0.0.5", "10.0.0.5", "10.0.0.6", "10.9.9.9"]),
        pa.array(ts, pa.timestamp("ms", tz="UTC")),
    )
    assert people.to_pylist() == ["morning", "afternoon", "pupil-42", "other", None]


FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def test_overlapping_leases_give_the_latest_starting_one_that_covers_the_moment():
    rng = random.Random(8)
    leases = []
    for n in range(300):
        start = START + dt.timedelta(minutes=rng.randrange(0, 600))
        end = None if rng.random() < 0.2 else start + dt.timedelta(minutes=rng.randrange(1, 240))
        leases.append(Lease(f"10.0.0.{rng.randrange(1, 12)}", start, end, f"device-{n}"))
    attributor = IntervalAttributor(leases)
    minutes = [rng.randrange(-30, 900) for _ in range(2000)]
    addresses = [f"10.0.0.{rng.randrange(1, 14)}" for _ in minutes]
    moments = [START + dt.timedelta(minutes=m, seconds=rng.randrange(60)) for m in minutes]
    people = attributor.person_ids(
        pa.nulls(len(moments), pa.string()),
        pa.array(addresses),
        pa.array(moments, pa.timestamp("ms", tz="UTC")),
    )

    def holder(ip: str, when: dt.datetime) -> str | None:
        covering = [
            lease
            for lease in leases
            if lease.ip == ip and lease.start <= when and (lease.end is None or when < lease.end)
        ]
        # Latest start first, then latest end, as leases are kept in order.
        covering.sort(key=lambda lease: (lease.start, lease.end or FAR, lease.person_id))
        return covering[-1].person_id if covering else None

    expected = [holder(ip, when) for ip, when in zip(addresses, moments, strict=True)]
    assert people.to_pylist() == expected
    assert 0 < people.null_count < len(expected)


def test_malformed_lines_are_counted_with_line_numbers(tmp_path, matcher):
    log = write_log(
        tmp_path / "access.log",
        [
            line(START, "10.0.0.5", "https://a.example/"),
            "garbage\n",
            line(START, "10.0.0.5", "https://b.example/"),
        ],
    )
    result = ingestor(tmp_path, matcher).ingest_path(log)
    assert (result.records, result.malformed_count) == (2, 1)
    assert [(m.line_no, m.offset) for m in result.malformed] == [
        (2, len(line(START, "10.0.0.5", "https://a.example/")))
    ]


def generated_log(lines: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for index in range(lines):
        when = START + dt.timedelta(seconds=index * 7)  # crosses midnight: two partitions
        ip = f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 40)}"
        if index % 97 == 0:
            url = "https://www.google.co.uk/search?q=" + rng.choice(
                ["how+to+kill+myself", "buy+weed", "kys", "homework+help", "k1ll+myself"]
            )
        else:
            url = f"https://site{rng.randint(1, 300)}.example/page/{rng.randint(1, 10**6)}"
        out.append(line(when, ip, url, rng.choice(["-", "-", "alice", "bob"])))
    return out


def run_cli(tmp: Path, log: Path, name: str, *options: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "warden.engine.ingest",
        str(log),
        "--format=squid",
        "--school=north-high",
        f"--archive={tmp / name / 'archive'}",
        f"--checkpoints={tmp / name / 'checkpoints.json'}",
        f"--violations={tmp / name / 'violations.jsonl'}",
        "--chunk-bytes=16384",
        *options,
    ]
    (tmp / name).mkdir(exist_ok=True)
    # The command is this interpreter running Warden's own module on test files.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603


def committed_offset(path: Path) -> int:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return 0
    return max((c["offset"] for c in data["checkpoints"].values()), default=0)


def kill_once_committed(run: subprocess.Popen[bytes], checkpoints: Path, offset: int) -> None:
    """SIGKILL a run of the command once it has committed ``offset`` bytes."""
    deadline = time.monotonic() + 60
    while committed_offset(checkpoints) < offset and run.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run finished before it could be killed"


def archived(root: Path) -> list[dict[str, object]]:
    rows = archive.query(root).drop_columns(["school"]).to_pylist()
    return sorted(rows, key=lambda r: r["offset"])


def test_killed_run_resumes_to_the_same_result_as_one_clean_run(tmp_path):
    log = write_log(tmp_path / "access.log", generated_log(40_000))
    size = log.stat().st_size

    clean = run_cli(tmp_path, log, "clean")
    assert clean.wait(timeout=120) == 0, clean.stderr.read() if clean.stderr else ""

    killed = run_cli(tmp_path, log, "killed")
    checkpoint = tmp_path / "killed" / "checkpoints.json"
    kill_once_committed(killed, checkpoint, size // 5)
    stopped_at = committed_offset(checkpoint)
    assert 0 < stopped_at < size

    resumed = run_cli(tmp_path, log, "killed")
    assert resumed.wait(timeout=120) == 0
    assert committed_offset(checkpoint) == size

    clean_violations = JsonlViolationSink(tmp_path / "clean" / "violations.jsonl").read()
    resumed_violations = JsonlViolationSink(tmp_path / "killed" / "violations.jsonl").read()
    assert len(clean_violations) > 100
    assert sorted(resumed_violations, key=lambda v: str(v["id"])) == sorted(
        clean_violations, key=lambda v: str(v["id"])
    )
    clean_rows = archived(tmp_path / "clean" / "archive")
    assert len(clean_rows) == 40_000
    assert archived(tmp_path / "killed" / "archive") == clean_rows
    clean_files = sorted(
        p.relative_to(tmp_path / "clean") for p in (tmp_path / "clean").rglob("*.parquet")
    )
    killed_files = sorted(
        p.relative_to(tmp_path / "killed") for p in (tmp_path / "killed").rglob("*.parquet")
    )
    assert killed_files == clean_files

    again = run_cli(tmp_path, log, "killed")
    assert again.wait(timeout=120) == 0
    assert JsonlViolationSink(tmp_path / "killed" / "violations.jsonl").read() == resumed_violations
    assert archived(tmp_path / "killed" / "archive") == clean_rows


def test_reingesting_a_file_adds_nothing_even_after_it_is_renamed(tmp_path, matcher):
    log = write_log(tmp_path / "access.log", generated_log(3_000))
    store = FileCheckpointStore(tmp_path / "checkpoints.json")
    sink = JsonlViolationSink(tmp_path / "violations.jsonl")
    run = ingestor(tmp_path, matcher, checkpoints=store, sink=sink, chunk_bytes=50_000)
    first = run.ingest_path(log)
    assert first.records == 3_000
    rotated = log.rename(tmp_path / "access.log.1")
    second = run.ingest_path(rotated)
    assert (second.lines, second.violations) == (0, 0)
    assert len(sink.read()) == first.violations
    assert archive.query(tmp_path / "archive").num_rows == 3_000


def test_follow_mode_reads_appended_lines_and_follows_rotation(tmp_path, matcher):
    log = tmp_path / "access.log"
    write_log(log, [line(START, "10.0.0.5", "https://www.google.com/search?q=kys")])
    sink = MemoryViolationSink()
    run = ingestor(tmp_path, matcher, sink=sink)
    stop = threading.Event()
    worker = threading.Thread(
        target=run.ingest_path,
        kwargs={"path": log, "follow": True, "poll_seconds": 0.02, "should_stop": stop.is_set},
    )
    worker.start()

    def clients() -> set[str | None]:
        return {v.client_ip for v in list(sink.violations.values())}

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 10
        while len(clients()) < count:
            assert time.monotonic() < deadline, f"violations only from {clients()}"
            time.sleep(0.01)

    try:
        wait_for(1)
        with open(log, "a") as handle:
            handle.write(line(START, "10.0.0.6", "https://www.bing.com/search?q=buy+weed"))
            handle.write(line(START, "10.0.0.6", "https://www.bing.com/search?q=half"))
            handle.flush()
        wait_for(2)
        # logrotate: the file is renamed and a new one starts at the same path.
        with open(log, "a") as handle:
            handle.write(line(START, "10.0.0.7", "https://duckduckgo.com/?q=pipe+bomb"))
        log.rename(tmp_path / "access.log.1")
        write_log(log, [line(START, "10.0.0.8", "https://www.google.com/search?q=send+nudes")])
        wait_for(4)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert clients() == {"10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8"}


class Breaks(io.RawIOBase):
    """A stream that dies after a number of reads, like a pipe whose writer crashed."""

    def __init__(self, data: bytes, reads: int):
        self.source = io.BytesIO(data)
        self.reads = reads

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads -= 1
        if self.reads < 0:
            raise ConnectionResetError("writer went away")
        return self.source.read(size)


def test_a_replayed_stream_resumes_where_the_last_run_stopped(tmp_path, matcher):
    data = "".join(generated_log(2_000)).encode()
    clean_sink = MemoryViolationSink()
    ingestor(tmp_path / "clean", matcher, sink=clean_sink, chunk_bytes=20_000).ingest_stream(
        io.BytesIO(data)
    )

    store = MemoryCheckpointStore()
    sink = MemoryViolationSink()
    run = ingestor(tmp_path / "broken", matcher, checkpoints=store, sink=sink, chunk_bytes=20_000)
    with pytest.raises(ConnectionResetError):
        run.ingest_stream(Breaks(data, 6))  # type: ignore[arg-type]
    [saved] = store.checkpoints.values()
    assert 0 < saved.offset < len(data)
    run.ingest_stream(io.BytesIO(data))
    assert sink.violations == clean_sink.violations
    assert archived(tmp_path / "broken" / "archive") == archived(tmp_path / "clean" / "archive")
