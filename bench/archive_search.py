"""How fast investigations read a month of one big school's log archive with DuckDB.

Generates an archive like thirty days of a 1,500-pupil school (about 1.7 million requests a
school day, 51 million rows by default: 1,500 pupils and 200 staff, each on their own
address most of the day, visiting a few thousand sites with a few very popular), written
chunk by chunk with :func:`warden.engine.archive.write_chunk` as ingestion writes it. Then
times, against the 2 s bound:

- the staff-monitoring history search: one member of staff over the thirty days (by
  person id and username), first page and total; again with a host filter;
- the violation context: every request of one address in the 20 minutes around a moment;
- retention's per-day counts: rows per day, and rows per day of three held people.

Each query runs ``--repeat`` times on a fresh DuckDB connection (as the application does);
the slowest run is the figure held against the bound.

    .venv/bin/python bench/archive_search.py --dir var/bench-archive          # full size
    .venv/bin/python bench/archive_search.py --rows 2000000                   # quick run
    .venv/bin/python bench/archive_search.py --dir var/bench-archive --json

With ``--dir``, an archive already generated there (same rows and days) is reused, so the
data is generated once. Without it, a temporary directory is used and removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from warden.engine import archive, investigate  # noqa: E402

SCHOOL = "bench-school"
BOUND_SECONDS = 2.0
PUPILS = 1500
STAFF = 200
CHUNK_ROWS = 200_000
FIRST_DAY = dt.date(2025, 9, 1)
SOURCE = "b" * 64
MARKER = ".bench-archive.json"

_CATEGORIES = ["education", "search", "news", "video", "social", "games", "shopping", ""]


class _Random:
    """Seeded uniform numbers a column at a time (pyarrow's generator)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def uniform(self, rows: int) -> pa.Array:
        self.seed += 1
        return pc.random(rows, initializer=self.seed)

    def below(self, rows: int, limit: int, skew: float = 1.0) -> pa.Array:
        """Integers in [0, limit); ``skew`` above 1 favours the small ones (popular sites)."""
        values = self.uniform(rows)
        if skew != 1.0:
            values = pc.power(values, skew)
        return pc.cast(pc.floor(pc.multiply(values, limit)), pa.int64())

    def chance(self, rows: int, probability: float) -> pa.Array:
        return pc.less(self.uniform(rows), probability)


def _pools() -> dict[str, Any]:
    """Who browses, from where, and what."""
    people = PUPILS + STAFF
    usernames = [f"p{n:04d}.pupil" for n in range(PUPILS)] + [
        f"s{n:03d}.staff" for n in range(STAFF)
    ]
    hosts = ["www.google.com", "www.bbc.co.uk", "www.youtube.com", "classroom.google.com"] + [
        f"www.site{n}.example.{('org', 'com', 'net', 'co.uk')[n % 4]}" for n in range(4000)
    ]
    return {
        "people": people,
        "usernames": pa.array(usernames),
        "person_ids": pa.array([str(1000 + n) for n in range(people)]),
        "ips": pa.array([_ip(n) for n in range(people)]),
        "hosts": pa.array(hosts),
        "paths": pa.array([f"/page/{n}?ref={n * 7 % 1000}" for n in range(20000)]),
        "categories": pa.array([[c] if c else [] for c in _CATEGORIES], pa.list_(pa.string())),
    }


def _ip(person: int) -> str:
    return f"10.{20 + person // 250}.{person % 250}.{(person * 3) % 250 + 2}"


def _day_table(day: dt.date, rows: int, pools: dict[str, Any], rng: _Random) -> pa.Table:
    """One school day's requests, in time order."""
    start = int(dt.datetime.combine(day, dt.time(7, 30), tzinfo=dt.UTC).timestamp() * 1000)
    moments = rng.below(rows, 9 * 3600 * 1000)
    ms = pc.add(moments.take(pc.sort_indices(moments)), start)
    who = rng.below(rows, pools["people"])
    host = rng.below(rows, len(pools["hosts"]), skew=4.0)
    hosts = pools["hosts"].take(host)
    url = pc.binary_join_element_wise(
        "https://", hosts, pools["paths"].take(rng.below(rows, len(pools["paths"]))), ""
    )
    # About one request in ten is on a shared or unattributed device.
    person_ids = pc.if_else(
        rng.chance(rows, 0.1), pa.nulls(rows, pa.string()), pools["person_ids"].take(who)
    )
    denied = rng.chance(rows, 0.03)
    columns: dict[str, pa.Array] = {
        "offset": pc.multiply(pa.array(range(rows), pa.int64()), 180),
        "line_no": pc.add(pa.array(range(rows), pa.int64()), 1),
        "ts": ms.cast(pa.timestamp("ms", tz="UTC")),
        "client_ip": pools["ips"].take(who),
        "username": pools["usernames"].take(who),
        "method": pc.if_else(rng.chance(rows, 0.6), "CONNECT", "GET"),
        "url": url,
        "host": hosts,
        "status": pc.if_else(denied, 403, 200).cast(pa.int32()),
        "bytes": pc.add(rng.below(rows, 200_000), 200),
        "elapsed_ms": pc.add(rng.below(rows, 900), 1),
        "action": pc.if_else(denied, "TCP_DENIED", "TCP_TUNNEL"),
        "decision": pc.if_else(denied, "denied", "allowed"),
        "content_type": pc.if_else(denied, "text/html", "-"),
        "person_id": person_ids,
        "categories": pools["categories"].take(pc.bit_wise_and(host, 7)),
        "source_id": pa.array([SOURCE[:16]]).take(pc.multiply(who, 0)),
    }
    table = {
        name: columns.get(name, pa.nulls(rows, archive.ARCHIVE_SCHEMA.field(name).type))
        for name in archive.ARCHIVE_SCHEMA.names
    }
    return pa.Table.from_pydict(table, schema=archive.ARCHIVE_SCHEMA)


def generate(root: Path, rows: int, days: int, *, seed: int = 22) -> float:
    """Write the archive under ``root`` (reusing it when the marker matches); seconds taken."""
    marker = root / MARKER
    wanted = {"rows": rows, "days": days, "seed": seed, "first": FIRST_DAY.isoformat()}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return 0.0
    shutil.rmtree(root / f"school={SCHOOL}", ignore_errors=True)
    began = time.perf_counter()
    rng = _Random(seed)
    pools = _pools()
    per_day = rows // days
    chunk = 0
    for n in range(days):
        table = _day_table(FIRST_DAY + dt.timedelta(days=n), per_day, pools, rng)
        for offset in range(0, table.num_rows, CHUNK_ROWS):
            archive.write_chunk(root, SCHOOL, table.slice(offset, CHUNK_ROWS), SOURCE, chunk)
            chunk += 1
        print(f"  day {n + 1}/{days}: {per_day:,} rows", file=sys.stderr, flush=True)
    marker.write_text(json.dumps(wanted))
    return time.perf_counter() - began


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU seconds of each run (CPU: every DuckDB thread, in this process),
    and the last result. On a busy host the CPU figure shows what the query itself cost."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), _cpu()
        result = run()
        times.append(time.perf_counter() - began)
        cpu.append(_cpu() - began_cpu)
    return times, cpu, result


def queries(root: Path, days: int) -> list[tuple[str, Callable[[], object], Callable[[Any], str]]]:
    last = FIRST_DAY + dt.timedelta(days=days - 1)
    staff = PUPILS + 7  # a member of staff
    person, username = str(1000 + staff), f"s{staff - PUPILS:03d}.staff"
    ip = _ip(staff)
    moment = dt.datetime.combine(
        FIRST_DAY + dt.timedelta(days=days // 2), dt.time(11), tzinfo=dt.UTC
    )
    held = [str(1000 + n) for n in (3, 700, PUPILS + 1)]

    def history(host: str = "") -> Callable[[], investigate.ResultPage]:
        return lambda: investigate.history(
            root,
            SCHOOL,
            person_ids=[person],
            usernames=[username],
            start=FIRST_DAY,
            end=last,
            host_contains=host,
            limit=50,
        )

    def page(found: investigate.ResultPage) -> str:
        return f"{found.total:,} rows, {len(found.rows)} on the page"

    return [
        ("history: one person, 30 days", history(), page),
        ("history: one person, 30 days, host contains 'site1'", history("site1"), page),
        (
            "context: one address, ±10 minutes",
            lambda: investigate.device_context(root, SCHOOL, moment, client_ip=ip, minutes=10),
            page,
        ),
        (
            "counts: rows per day, 30 days",
            lambda: investigate.day_counts(root, SCHOOL, end=last),
            lambda found: f"{len(found)} days, {sum(found.values()):,} rows",
        ),
        (
            "counts: rows per day of 3 held people, 30 days",
            lambda: investigate.person_day_counts(root, SCHOOL, held, end=last),
            lambda found: f"{len(found)} (day, person) pairs, {sum(found.values()):,} rows",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=51_000_000, help="rows in all (51M)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--dir", type=Path, help="keep (and reuse) the archive here")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    temporary = None if args.dir else Path(tempfile.mkdtemp(prefix="archive-search-"))
    root = args.dir or temporary
    assert root is not None
    root.mkdir(parents=True, exist_ok=True)
    try:
        generated = generate(root, args.rows, args.days)
        size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
        results = []
        for name, run, describe in queries(root, args.days):
            times, cpu, found = _timed(run, args.repeat)
            results.append(
                {
                    "query": name,
                    "seconds": [round(t, 3) for t in times],
                    "worst": round(max(times), 3),
                    "cpu_seconds": [round(t, 3) for t in cpu],
                    "within_bound": max(times) <= BOUND_SECONDS,
                    "found": describe(found),
                }
            )
        report = {
            "rows": (args.rows // args.days) * args.days,
            "days": args.days,
            "archive_bytes": size,
            "generated_seconds": round(generated, 1),
            "bound_seconds": BOUND_SECONDS,
            "threads": investigate.THREADS,
            "memory_limit": investigate.MEMORY_LIMIT,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "results": results,
        }
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(
                f"{report['rows']:,} rows over {args.days} days, {size / 1e9:.2f} GB "
                f"(generated in {generated:.0f} s; 0 = reused); load {report['load_average']}"
            )
            for result in results:
                mark = "ok" if result["within_bound"] else "OVER"
                print(
                    f"  {mark:4} {result['worst']:6.3f} s  {result['query']}  "
                    f"({result['found']}; runs {result['seconds']}, CPU {result['cpu_seconds']})"
                )
        return 0 if all(r["within_bound"] for r in results) else 1
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
