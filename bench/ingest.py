"""End-to-end log ingestion of generated Squid traffic, beside the bare parsing floor.

The generator (deterministic, seeded) writes Squid native access.log lines for a school day:
about 40% ``CONNECT host:443`` tunnels, the rest full URLs as an intercepting proxy logs them,
3% of them search-engine queries, a few of those carrying safeguarding phrases. Hosts are
drawn from UT1's real lists plus everyday sites, clients from 600 devices, a quarter of the
requests carry a user name.

Measured, in one process with Arrow limited to one thread:

* **bare parsing floor**: :func:`warden.engine.logs.parse_chunk` over the file in 8 MB
  chunks, nothing else;
* **end to end**: :class:`warden.engine.ingest.Ingestor` over the same file: parse,
  attribute (user names and 600 IP leases), classify with ``CategoryIndex`` built from the
  UT1 lists in the shared data, match the keyword library (Warden's starter library plus
  every LDNOOBW language) against every URL and search query, deliver violations to a JSON
  lines file, archive as zstd Parquet, checkpoint after every chunk.

Lines per second are given per CPU second of this process (per core) and per wall second.

Run: .venv/bin/python bench/ingest.py [--lines 1000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from warden.engine.ingest import (
    FileCheckpointStore,
    Ingestor,
    IntervalAttributor,
    JsonlViolationSink,
    Lease,
)
from warden.engine.keywords import (
    KeywordMatcher,
    load_ldnoobw,
    load_starter_library,
    shared_data_dir,
)
from warden.engine.logs import parse_chunk

EVERYDAY_HOSTS = (
    "www.google.com",
    "www.google.co.uk",
    "www.bbc.co.uk",
    "www.youtube.com",
    "i.ytimg.com",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "teams.microsoft.com",
    "classroom.google.com",
    "docs.google.com",
    "www.bing.com",
    "duckduckgo.com",
    "en.wikipedia.org",
    "upload.wikimedia.org",
    "cdn.jsdelivr.net",
    "fonts.gstatic.com",
    "www.instagram.com",
    "www.tiktok.com",
)
SEARCHES = (
    "https://www.google.co.uk/search?q={}&source=hp&ei=Xy1Ab3",
    "https://www.bing.com/search?q={}&form=QBLH",
    "https://duckduckgo.com/?q={}&t=h_",
    "https://www.youtube.com/results?search_query={}",
)
WORDS = [
    "homework",
    "help",
    "photosynthesis",
    "volcano",
    "fractions",
    "algebra",
    "poem",
    "shakespeare",
    "macbeth",
    "river",
    "weather",
    "football",
    "minecraft",
    "recipe",
    "pancakes",
    "history",
    "romans",
    "vikings",
    "quiz",
    "revision",
    "french",
    "verbs",
    "spanish",
    "netflix",
    "song",
    "lyrics",
    "map",
    "europe",
    "dinosaurs",
    "planets",
    "science",
    "ks3",
    "gcse",
]
CONCERNS = ("how to kill myself", "buy weed", "pipe bomb", "k1ll mys3lf", "send nudes", "kys")
DAY = dt.datetime(2024, 3, 15, 8, 0, tzinfo=dt.UTC)


def ut1_hosts(rng: random.Random, count: int) -> list[str]:
    ut1 = shared_data_dir() / "ut1"
    hosts: list[str] = []
    for category in (
        "shopping",
        "games",
        "press",
        "sports",
        "social_networks",
        "educational_games",
    ):
        path = ut1 / category / "domains"
        if path.exists():
            entries = path.read_text(encoding="utf-8", errors="replace").split()
            hosts.extend(rng.sample(entries, min(len(entries), count // 6)))
    return hosts


def generate(path: Path, lines: int, seed: int = 20240315) -> list[Lease]:
    rng = random.Random(seed)
    hosts = ut1_hosts(rng, 30_000) + list(EVERYDAY_HOSTS) * 400
    devices = [f"10.{20 + i // 250}.{(i // 50) % 5}.{i % 250 + 1}" for i in range(600)]
    users = [f"pupil{i:04d}" for i in range(900)]
    leases = [
        Lease(ip, DAY - dt.timedelta(hours=1), None, f"person-{n}") for n, ip in enumerate(devices)
    ]
    step = 8 * 3600 / lines
    with open(path, "w", encoding="utf-8") as out:
        batch = []
        for index in range(lines):
            when = DAY.timestamp() + index * step
            ip = rng.choice(devices)
            user = rng.choice(users) if rng.random() < 0.25 else "-"
            elapsed = rng.choice((0, 3, 12, 45, 120, 480, 1500, 60010))
            size = rng.randint(200, 400_000)
            kind = rng.random()
            if kind < 0.40:
                host = rng.choice(hosts)
                batch.append(
                    f"{when:.3f} {elapsed:6d} {ip} TCP_TUNNEL/200 {size} CONNECT {host}:443 "
                    f"{user} HIER_DIRECT/{rng.randint(1, 223)}.{rng.randint(0, 255)}.1.1 -\n"
                )
                continue
            if kind < 0.43:
                terms = rng.sample(WORDS, rng.randint(1, 4))
                if rng.random() < 0.02:
                    terms = [rng.choice(CONCERNS)]
                url = rng.choice(SEARCHES).format("+".join(terms).replace(" ", "+"))
            else:
                host = rng.choice(hosts)
                path_part = "/".join(rng.sample(WORDS, rng.randint(1, 3)))
                url = f"https://{host}/{path_part}?id={rng.randint(1, 10**7)}"
            code = rng.choice(("TCP_MISS/200", "TCP_MISS/200", "TCP_HIT/200", "TCP_MISS/304"))
            mime = rng.choice(("text/html", "application/json", "image/png", "text/javascript"))
            batch.append(
                f"{when:.3f} {elapsed:6d} {ip} {code} {size} GET {url} {user} "
                f"HIER_DIRECT/{rng.randint(1, 223)}.{rng.randint(0, 255)}.2.2 {mime}\n"
            )
            if len(batch) >= 10_000:
                out.writelines(batch)
                batch = []
        out.writelines(batch)
    return leases


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, help="where to put the log and archive")
    parser.add_argument("--chunk-mb", type=int, default=8)
    args = parser.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warden-ingest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "access.log"
    started = time.perf_counter()
    leases = generate(log, args.lines)
    size = log.stat().st_size
    print(
        f"generated {args.lines:,} lines ({size / 1e6:.0f} MB) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    chunk = args.chunk_mb * 1024 * 1024
    cpu, wall = time.process_time(), time.perf_counter()
    parsed = 0
    with open(log, "rb") as handle:
        offset = 0
        while data := handle.read(chunk):
            cut = data.rfind(b"\n") + 1
            handle.seek(offset + cut)
            parsed += parse_chunk("squid", data[:cut], base_offset=offset).table.num_rows
            offset += cut
    parse_cpu, parse_wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"bare parsing floor: {parsed / parse_cpu:>10,.0f} lines/s per core "
        f"({parsed / parse_wall:,.0f} lines/s wall), peak RSS {rss_mb():.0f} MB"
    )

    started = time.perf_counter()
    from warden.engine.lists import load_ut1

    index = load_ut1()
    phrases, exclusions = load_starter_library()
    ldnoobw = shared_data_dir() / "keywords" / "ldnoobw"
    if ldnoobw.is_dir():
        phrases += load_ldnoobw(ldnoobw)
    matcher = KeywordMatcher.compile(phrases, exclusions)
    print(
        f"set-up (not in the figures below): UT1 index of {len(index):,} entries, "
        f"{len(matcher):,} keyword phrases, in {time.perf_counter() - started:.1f} s"
    )

    out = workdir / "run"
    shutil.rmtree(out, ignore_errors=True)
    ingestor = Ingestor(
        school="bench-school",
        fmt="squid",
        checkpoints=FileCheckpointStore(out / "checkpoints.json"),
        sink=JsonlViolationSink(out / "violations.jsonl"),
        archive_root=out / "archive",
        classifier=index,
        matcher=matcher,
        alert_categories={"gambling": 3, "pornography": 4, "weapons": 4, "drugs": 3},
        attributor=IntervalAttributor(
            leases, {f"pupil{i:04d}": f"person-u{i}" for i in range(900)}
        ),
        chunk_bytes=chunk,
    )
    (out).mkdir(parents=True, exist_ok=True)
    cpu, wall = time.process_time(), time.perf_counter()
    result = ingestor.ingest_path(log)
    run_cpu, run_wall = time.process_time() - cpu, time.perf_counter() - wall
    archived = sum(p.stat().st_size for p in (out / "archive").rglob("*.parquet"))
    print(
        f"end to end:         {result.records / run_cpu:>10,.0f} lines/s per core "
        f"({result.records / run_wall:,.0f} lines/s wall), peak RSS {rss_mb():.0f} MB"
    )
    print(
        f"  {result.records:,} records in {result.chunks} chunks, {result.violations:,} "
        f"violations, {result.malformed_count} malformed; archive {archived / 1e6:.1f} MB "
        f"zstd Parquet ({size / max(archived, 1):.1f}x smaller than the log)"
    )
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
