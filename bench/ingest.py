"""End-to-end log ingestion of the benchmark traffic, beside the bare parsing floor.

Traffic and lists are those of ``bench/helper_vs_squidguard.py``: the same 25 UT1
categories, copied and normalised the same way, and the same deterministic
1,000,000 requests from ``bench/traffic.py`` (same seed: popular school sites, a long tail
of other hosts, hosts and URLs from the lists, a fifth of them CONNECT, three in ten with a
user name). Each request is written as the line Squid's native access.log has for it (time
through a school day, elapsed time, client, result code, size, method, URL, user,
hierarchy, content type), so ingestion sees what a school's proxy would log.

Measured in one process with Arrow limited to one thread (``pa.set_cpu_count(1)``,
``pa.set_io_thread_count(1)``), so CPU seconds are one core's:

* **bare parsing floor**: :func:`warden.engine.logs.parse_chunk` over the file in 8 MiB
  chunks, nothing else;
* **end to end**: :class:`warden.engine.ingest.Ingestor` over the same file into a fresh
  folder: parse; attribute (user names, and client addresses through DHCP-style leases, a
  few of which change hands at midday); classify with a ``CategoryIndex`` built from the
  same list copy; match the keyword library (Warden's starter library plus every LDNOOBW
  language) against every URL and every search query; deliver violations (alert
  categories and keyword matches) to a JSON lines file; archive as zstd Parquet; save a
  checkpoint after every chunk;
* **archive writing alone**: the Parquet files the end-to-end run wrote, read back (not
  timed) and written again with :func:`warden.engine.archive.write_chunk`, chunk by chunk,
  into a fresh folder: what archiving costs with nothing else around it;
* **again**: the same file ingested a second time into the same folder (it must add
  nothing);
* **pipelined** (:class:`warden.engine.pipeline.Pipeline`, ``--workers`` processes, one a
  CPU by default; an untimed run first checks it gives the same violations and archive
  files as the serial one): the end-to-end run with chunks prepared side by side in forked workers
  and committed in order by the parent, as lines per wall second on this machine against
  :data:`PIPELINE_GOAL`, with the CPU of parent and workers beside it; and the same without
  the archive, as lines per CPU second of parent and workers together (per core) against
  :data:`GOAL`: everything but archive compression, per core, counting what pipelining
  adds (forks, chunks and violations passed between processes).

Each figure is the median of ``--repeat`` runs, as lines per CPU second of this process and
of the workers it waited for (per core) and per wall second; the runs go in rounds of every
measurement in turn, so a slow spell of the machine falls on all of them alike.
``--stages`` adds end-to-end runs with one part left out at a time, to show what each part
costs; ``--archive-variants`` writes the archived rows again with other Parquet settings
(no statistics, more dictionaries, faster compression, none), to show what the archive's
settings cost.

Run: .venv/bin/python bench/ingest.py [--lines 1000000] [--repeat 3] [--stages]
     [--archive-variants] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from helper_vs_squidguard import UT1_CATEGORIES, prepare_lists  # noqa: E402
from traffic import (  # noqa: E402
    GROUP_NETWORKS,
    PUPIL_USERS,
    STAFF_USERS,
    generate,
    read_list_entries,
)

from warden.engine import archive  # noqa: E402
from warden.engine.columns import ColumnIndex  # noqa: E402
from warden.engine.datafiles import shared_data_dir  # noqa: E402
from warden.engine.ingest import (  # noqa: E402
    FileCheckpointStore,
    Ingestor,
    IntervalAttributor,
    JsonlViolationSink,
    Lease,
)
from warden.engine.keywords import (  # noqa: E402
    KeywordMatcher,
    load_ldnoobw,
    load_starter_library,
)
from warden.engine.lists import ListBuilder  # noqa: E402
from warden.engine.logs import parse_chunk  # noqa: E402
from warden.engine.pipeline import Pipeline, default_workers  # noqa: E402

GOAL = 1_000_000
"""Lines per CPU second (per core) for everything but archive compression."""
PIPELINE_GOAL = 750_000
"""Lines per wall second end to end, pipelined on the whole machine (2 CPUs)."""
DAY = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
SCHOOL_DAY_SECONDS = 8 * 3600
# Visits to these are reported (severity), as a school that allows but alerts them would.
ALERT_CATEGORIES = {"gambling": 3, "pornography": 4, "weapons": 4, "drugs": 3}
CONTENT_TYPES = (
    "text/html",
    "text/html",
    "application/json",
    "image/png",
    "image/jpeg",
    "text/javascript",
    "text/css",
    "application/octet-stream",
)
RESULTS = ("TCP_MISS/200", "TCP_MISS/200", "TCP_MISS/200", "TCP_HIT/200", "TCP_MISS/304")


def access_log_lines(helper_lines: Iterator[str], lines: int, seed: int) -> Iterator[str]:
    """Squid access.log lines for helper request lines (``URL client/fqdn user METHOD ...``)."""
    rng = random.Random(seed)
    step = SCHOOL_DAY_SECONDS / max(lines, 1)
    start = DAY.timestamp()
    for index, request in enumerate(helper_lines):
        url, client, user, method = request.split(" ", 4)[:4]
        address = client.partition("/")[0]
        when = start + index * step
        elapsed = rng.choice((0, 2, 9, 31, 87, 240, 610, 1800, 60012))
        peer = f"HIER_DIRECT/{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.7"
        if method == "CONNECT":
            yield (
                f"{when:.3f} {elapsed:6d} {address} TCP_TUNNEL/200 {rng.randrange(900, 900_000)} "
                f"CONNECT {url} {user} {peer} -\n"
            )
        else:
            yield (
                f"{when:.3f} {elapsed:6d} {address} {rng.choice(RESULTS)} "
                f"{rng.randrange(200, 400_000)} {method} {url} {user} {peer} "
                f"{rng.choice(CONTENT_TYPES)}\n"
            )


def write_access_log(
    path: Path, lines: int, domains: Sequence[str], urls: Sequence[str], seed: int
) -> None:
    with open(path, "w", encoding="utf-8") as out:
        batch: list[str] = []
        for line in access_log_lines(generate(lines, domains, urls, seed=seed), lines, seed + 1):
            batch.append(line)
            if len(batch) >= 10_000:
                out.writelines(batch)
                batch.clear()
        out.writelines(batch)


def leases() -> list[Lease]:
    """A lease for every pupil and staff address, held all day; one address in twenty
    changes hands at midday (a laptop trolley moving between classes)."""
    morning = DAY - dt.timedelta(hours=1)
    midday = DAY + dt.timedelta(hours=4)
    out = []
    person = 0
    for group in ("pupils", "staff"):
        net = GROUP_NETWORKS[group]
        for third in range(256):
            for fourth in range(1, 255):
                ip = f"{net}.{third}.{fourth}"
                person += 1
                if person % 20 == 0:
                    out.append(Lease(ip, morning, midday, f"device-{person}-am"))
                    out.append(Lease(ip, midday, None, f"device-{person}-pm"))
                else:
                    out.append(Lease(ip, morning, None, f"device-{person}"))
    return out


def keyword_matcher() -> KeywordMatcher:
    phrases, exclusions = load_starter_library()
    ldnoobw = shared_data_dir() / "keywords" / "ldnoobw"
    if ldnoobw.is_dir():
        phrases += load_ldnoobw(ldnoobw)
    matcher = KeywordMatcher.compile(phrases, exclusions)
    # One core for everything, like Arrow: the keyword scan would otherwise use them all.
    matcher.threads = 1
    return matcher


def children_cpu() -> float:
    """CPU seconds of the child processes waited for so far (pipeline workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(CPU seconds of this process and of the workers it waited for, wall seconds,
    result)."""
    cpu, children, wall = time.process_time(), children_cpu(), time.perf_counter()
    result = run()
    used = time.process_time() - cpu + children_cpu() - children
    return used, time.perf_counter() - wall, result


def parse_file(log: Path, chunk: int) -> int:
    rows = 0
    with open(log, "rb") as handle:
        offset = 0
        while data := handle.read(chunk):
            cut = data.rfind(b"\n") + 1
            handle.seek(offset + cut)
            rows += parse_chunk("squid", data[:cut], base_offset=offset).table.num_rows
            offset += cut
    return rows


def write_parts(root: Path, parts: list[pa.Table], source_id: str) -> int:
    rows = 0
    for index, table in enumerate(parts):
        archive.write_chunk(root, "bench-school", table, source_id, index)
        rows += table.num_rows
    return rows


ARCHIVE_VARIANTS: list[tuple[str, dict[str, object]]] = [
    ("as archived, without fsync", {}),
    ("no statistics", {"write_statistics": False}),
    ("a dictionary for every column", {"use_dictionary": True}),
    ("zstd level -1", {"compression_level": -1}),
    ("zstd level -5", {"compression_level": -5}),
    ("lz4", {"compression": "lz4"}),
    ("no compression", {"compression": "none"}),
]


def write_variant(target: Path, parts: list[pa.Table], options: dict[str, Any]) -> tuple[int, int]:
    """Every archived chunk written with ``options``; (rows, bytes written)."""
    rows = size = 0
    for table in parts:
        pq.write_table(table, target, **options)
        rows += table.num_rows
        size += target.stat().st_size
    return rows, size


def make_ingestor(
    out: Path,
    chunk: int,
    classifier: ColumnIndex | None,
    matcher: KeywordMatcher | None,
    attributor: IntervalAttributor | None,
    *,
    archive: bool = True,
) -> Ingestor:
    out.mkdir(parents=True, exist_ok=True)
    return Ingestor(
        school="bench-school",
        fmt="squid",
        checkpoints=FileCheckpointStore(out / "checkpoints.json"),
        sink=JsonlViolationSink(out / "violations.jsonl"),
        archive_root=out / "archive" if archive else None,
        classifier=classifier,
        matcher=matcher,
        alert_categories=ALERT_CATEGORIES if classifier is not None else {},
        attributor=attributor,
        chunk_bytes=chunk,
    )


PIPELINED = "pipelined end to end"
PIPELINED_BARE = "pipelined, without the archive"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(message: str) -> None:
    print(message, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250106, help="traffic seed")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--chunk-mb", type=int, default=8, help="chunk size in MiB")
    parser.add_argument("--stages", action="store_true", help="also time each part left out")
    parser.add_argument(
        "--archive-variants", action="store_true", help="also time other Parquet settings"
    )
    parser.add_argument("--workdir", type=Path, help="where to put lists, log and archive")
    parser.add_argument("--ut1", type=Path, default=None, help="UT1 folder (shared data)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="worker processes of the pipelined runs (default: one a CPU)",
    )
    args = parser.parse_args(argv)
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    source = args.ut1 or shared_data_dir() / "ut1"
    if not source.is_dir():
        raise SystemExit(f"no UT1 lists at {source} (set WARDEN_SHARED_DATA)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warden-ingest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    names = [n for n in UT1_CATEGORIES if (source / n).is_dir()]
    say(
        f"Python {platform.python_version()}, pyarrow {pa.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )

    started = time.perf_counter()
    lists = workdir / "lists"
    shutil.rmtree(lists, ignore_errors=True)
    prepare_lists(source, lists, names, raw=False)
    builder = ListBuilder()
    builder.add_ut1(lists, names)
    index = builder.build()
    # The compiled tables ingestion looks the lists up in, built once for every run.
    columns = ColumnIndex(index)
    matcher = keyword_matcher()
    lease_list = leases()
    addresses = len({lease.ip for lease in lease_list})
    attributor = IntervalAttributor(
        lease_list,
        {name: f"person-{name}" for name in (*PUPIL_USERS, *STAFF_USERS)},
    )
    say(
        f"set-up (not timed): {len(names)} UT1 categories, {len(index):,} entries; "
        f"{len(matcher):,} keyword phrases; {addresses:,} leased addresses; "
        f"{time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    log = workdir / "access.log"
    domains, urls = read_list_entries(lists, names)
    write_access_log(log, args.lines, domains, urls, args.seed)
    size = log.stat().st_size
    say(
        f"traffic: {args.lines:,} Squid access.log lines, {size / 1e6:.0f} MB, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    chunk = args.chunk_mb * 1024 * 1024

    figures: dict[str, dict[str, float]] = {}
    out = workdir / "run"

    def ingest(
        *,
        use_index: bool = True,
        use_matcher: bool = True,
        use_attributor: bool = True,
        use_archive: bool = True,
        workers: int = 0,
    ) -> int:
        shutil.rmtree(out, ignore_errors=True)
        ingestor = make_ingestor(
            out,
            chunk,
            columns if use_index else None,
            matcher if use_matcher else None,
            attributor if use_attributor else None,
            archive=use_archive,
        )
        if not workers:
            return ingestor.ingest_path(log).records
        # Workers are forked and waited for within the run: both count in its figures.
        with Pipeline(ingestor, workers) as pipeline:
            return pipeline.ingest_path(log).records

    # One untimed run leaves the archive the archive measurements write again, and the
    # output checked below (every timed run produces the same).
    shutil.rmtree(out, ignore_errors=True)
    result = make_ingestor(out, chunk, columns, matcher, attributor).ingest_path(log)
    archived = sum(p.stat().st_size for p in (out / "archive").rglob("*.parquet"))
    violations = (out / "violations.jsonl").read_text().splitlines()
    kinds: dict[str, int] = {}
    for line in violations:
        kind = json.loads(line)["kind"]
        kinds[kind] = kinds.get(kind, 0) + 1
    say(
        f"end to end: {result.records:,} records in {result.chunks} chunks, "
        f"{result.malformed_count} malformed; {len(violations):,} violations "
        f"({', '.join(f'{n:,} {k}' for k, n in sorted(kinds.items()))}); archive "
        f"{archived / 1e6:.1f} MB zstd Parquet ({size / max(archived, 1):.1f}x smaller "
        f"than the log)"
    )
    # Pipelined, the same violations and archive files (untimed).
    piped = workdir / "piped"
    shutil.rmtree(piped, ignore_errors=True)
    with Pipeline(make_ingestor(piped, chunk, columns, matcher, attributor), args.workers) as run:
        run.ingest_path(log)
    if sorted((piped / "violations.jsonl").read_text().splitlines()) != sorted(violations) or [
        p.relative_to(piped) for p in sorted(piped.rglob("*.parquet"))
    ] != [p.relative_to(out) for p in sorted(out.rglob("*.parquet"))]:
        raise SystemExit("the pipelined run gave other violations or archive files")
    shutil.rmtree(piped)
    say(f"pipelined ({args.workers} workers): the same violations and archive files")
    # The same file again, into the same folder: everything is already committed.
    again = make_ingestor(out, chunk, columns, matcher, attributor)
    _cpu, wall, repeat_result = timed(lambda: again.ingest_path(log))
    if repeat_result.records or repeat_result.violations:
        raise SystemExit(f"re-ingesting added {repeat_result.records} records")
    say(f"again (same file, same folder): 0 records, 0 violations added, {wall:.3f} s wall")
    parts = [pq.read_table(path) for path in sorted((out / "archive").rglob("*.parquet"))]
    source_id = str(parts[0].column("source_id")[0].as_py())
    copy = workdir / "archive-copy"
    variant = workdir / "variant.parquet"
    sizes: dict[str, int] = {}

    def write_copy() -> int:
        shutil.rmtree(copy, ignore_errors=True)
        return write_parts(copy, parts, source_id)

    def write_with(label: str, options: dict[str, Any]) -> int:
        rows, sizes[label] = write_variant(variant, parts, options)
        return rows

    measurements: list[tuple[str, Callable[[], int]]] = [
        ("bare parsing floor", functools.partial(parse_file, log, chunk)),
        ("end to end", ingest),
        ("archive writing alone", write_copy),
        (PIPELINED, functools.partial(ingest, workers=args.workers)),
        (PIPELINED_BARE, functools.partial(ingest, workers=args.workers, use_archive=False)),
    ]
    if args.archive_variants:
        for label, changes in ARCHIVE_VARIANTS:
            options = {**archive.PARQUET_OPTIONS, **changes}
            measurements.append((f"  {label}", functools.partial(write_with, label, options)))
    if args.stages:
        measurements += [
            ("  without the archive", functools.partial(ingest, use_archive=False)),
            ("  without keywords", functools.partial(ingest, use_matcher=False)),
            ("  without classification", functools.partial(ingest, use_index=False)),
            ("  without attribution", functools.partial(ingest, use_attributor=False)),
        ]
    # Round after round of every measurement, so that a slow spell of the machine falls
    # on all of them alike rather than on whichever ran then.
    runs: dict[str, list[tuple[float, float, int]]] = {label: [] for label, _ in measurements}
    for _ in range(args.repeat):
        for label, run in measurements:
            runs[label].append(timed(run))
    for label, _ in measurements:
        cpu = statistics.median(r[0] for r in runs[label])
        wall = statistics.median(r[1] for r in runs[label])
        rows = runs[label][0][2]
        figures[label] = {
            "lines": rows,
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "lines_per_cpu_s": round(rows / cpu),
            "lines_per_wall_s": round(rows / wall),
        }
        if label == PIPELINED:
            # The machine's figure: wall-clock lines against the pipelined goal.
            versus = f"{rows / wall / PIPELINE_GOAL:.2f}x goal of {PIPELINE_GOAL:,} (wall)"
        else:
            versus = f"{rows / cpu / GOAL:.2f}x goal"
        say(
            f"{label:<30} {rows / cpu:>10,.0f} lines/s per core (CPU {cpu:.2f} s)  "
            f"{rows / wall:>10,.0f} lines/s wall ({wall:.2f} s)  {versus}"
        )
        if label in (PIPELINED, PIPELINED_BARE):
            say(
                f"    {args.workers} workers; CPU of parent and workers "
                f"{cpu / wall:.2f}x the wall time"
            )
        name = label.strip()
        if name in sizes:
            share = sizes[name] / max(archived, 1)
            say(f"    {sizes[name] / 1e6:.1f} MB ({share:.2f}x the archive)")
    shutil.rmtree(copy, ignore_errors=True)
    variant.unlink(missing_ok=True)
    say(f"peak RSS {rss_mb():.0f} MB")
    rate = figures["end to end"]["lines_per_cpu_s"]
    floor = figures["bare parsing floor"]["lines_per_cpu_s"]
    archiving = figures["archive writing alone"]["lines_per_cpu_s"]
    # Parsing and archiving alone take this much of a core, before anything else is done.
    both = 1 / (1 / floor + 1 / archiving)
    say(
        f"end to end / goal of {GOAL:,} lines/s per core: {rate / GOAL:.2f}x; "
        f"end to end / parsing floor: {rate / floor:.2f}; parsing and archiving alone "
        f"would allow {both:,.0f} lines/s per core ({both / GOAL:.2f}x goal)"
    )
    piped = figures[PIPELINED]["lines_per_wall_s"]
    bare = figures[PIPELINED_BARE]["lines_per_cpu_s"]
    say(
        f"pipelined end to end / goal of {PIPELINE_GOAL:,} lines/s (wall, {args.workers} "
        f"workers): {piped / PIPELINE_GOAL:.2f}x; everything but the archive, pipelined / "
        f"goal of {GOAL:,} lines/s per core: {bare / GOAL:.2f}x"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
