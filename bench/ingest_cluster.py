"""Log ingestion through NATS JetStream with 1, 2 and 4 ingest workers: how it scales.

One ``nats-server`` with JetStream runs on a free loopback port (the same server the tests
start, :class:`warden.monitoring.jetstream.NatsProcess`). The traffic is the benchmark
traffic of ``bench/ingest.py`` (its functions, imported: the UT1 lists of
``bench/helper_vs_squidguard.py`` and the deterministic requests of ``bench/traffic.py``,
written as Squid access.log lines).

The workers need a database: a throw-away SQLite file in the work folder, migrated, or the
database ``DATABASE_URL`` names (migrated first; give it an empty one). Each round has a
school of its own (``bench-w1``, ``bench-w2``, ``bench-w4``) with Warden's starter keyword
library, so every round starts with nothing ingested. A round starts from an empty stream:

1. N ``warden ingest-worker --school bench-wN`` processes are started and the round waits
   until each says it is waiting for chunks (start-up, Django and the keyword matcher, is
   not timed);
2. the benchmark publishes the file's chunks (``logbus.cut_chunks``, ``--chunk-mb`` each)
   to the school's subject with JetStream acks, as ``warden ingest-publish`` does;
3. the round ends when the stream is empty: work-queue retention deletes a chunk when a
   worker acknowledges it, after its violations, archive and checkpoint are committed.
   The workers are then stopped and must report every chunk ingested.

Figures a round: lines a wall second (the whole file over the time from the first publish
to the last acknowledgement), CPU seconds a million lines (the workers' user and system
time over the same span, from ``/proc``), the publishing rate, and scaling efficiency:
lines/s ÷ (workers × one worker's lines/s). On a machine with fewer cores than workers the
efficiency cannot pass cores ÷ workers: that is the machine, not the design.

Not in these figures (see docs/scaling.md): site classification (the schools have no
filtering snapshot) and address leases (attribution is by user name only); bench/ingest.py
measures those stages' costs in one process.

Run: .venv/bin/python bench/ingest_cluster.py [--lines 1000000] [--workers 1 2 4]
     [--chunk-mb 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from helper_vs_squidguard import UT1_CATEGORIES, prepare_lists  # noqa: E402
from ingest import write_access_log  # noqa: E402
from traffic import read_list_entries  # noqa: E402

from warden.engine.datafiles import shared_data_dir  # noqa: E402
from warden.testing.ports import free_port  # noqa: E402

WARDEN = [sys.executable, "-m", "warden.cli"]
STOPPED = re.compile(r"stopped: (\d+) chunks ingested \((\d+) violations\)")


def say(message: str) -> None:
    print(message, flush=True)


def warden(env: dict[str, str], *args: str, timeout: float = 900) -> str:
    result = subprocess.run(  # noqa: S603 - our own command
        [*WARDEN, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"warden {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def add_school(env: dict[str, str], slug: str) -> None:
    warden(env, "add-school", "--name", f"Benchmark {slug}", "--slug", slug,
           "--trust-slug", "bench", "--trust-name", "Benchmark trust")  # fmt: skip
    warden(env, "keywords", "starter", "--school", slug)


def process_cpu(pid: int) -> float:
    """User and system CPU seconds a running process has used (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_workers(
    env: dict[str, str], url: str, slug: str, count: int
) -> list[subprocess.Popen[str]]:
    """``count`` workers on the school's chunks, returned once each says it is waiting."""
    env = {**env, "PYTHONUNBUFFERED": "1"}
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command
            [*WARDEN, "ingest-worker", "--nats", url, "--school", slug],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    for worker in workers:
        assert worker.stdout is not None
        while "waiting for chunks" not in (line := worker.stdout.readline()):
            if not line:
                raise SystemExit(f"a worker stopped before it was ready: {worker.wait()}")
    return workers


def stop_workers(workers: list[subprocess.Popen[str]]) -> tuple[int, int]:
    """Stop the workers (SIGTERM: after the chunk in hand); chunks and violations they report."""
    chunks = violations = 0
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        found = STOPPED.search(out)
        if worker.returncode != 0 or not found:
            raise SystemExit(f"a worker failed ({worker.returncode}):\n{out}")
        chunks += int(found[1])
        violations += int(found[2])
    return chunks, violations


async def publish_and_wait(
    url: str, slug: str, log: Path, limit: int, timeout: float
) -> dict[str, float]:
    """Publish the log's chunks to the school's subject and wait until the workers have
    acknowledged every one (work-queue retention: the stream is then empty)."""
    import nats

    from warden.engine import logbus
    from warden.engine.ingest import source_identity
    from warden.monitoring.jetstream import ensure_stream

    client = await nats.connect(url)
    try:
        js = client.jetstream()
        await ensure_stream(js)
        with open(log, "rb") as handle:
            source = source_identity(handle.read(64 * 1024))
            started = time.perf_counter()
            sent = 0
            for chunk in logbus.cut_chunks(handle, fmt="squid", source=source, limit=limit):
                await js.publish(
                    logbus.subject(slug),
                    chunk.data,
                    timeout=30,
                    headers=chunk.headers(logbus.subject(slug)),
                )
                sent += 1
        published = time.perf_counter() - started
        deadline = started + timeout
        while (await js.stream_info(logbus.STREAM)).state.messages:
            if time.perf_counter() > deadline:
                raise SystemExit(f"the workers took over {timeout:.0f} s: raise --timeout")
            await asyncio.sleep(0.02)
        return {"wall": time.perf_counter() - started, "publish": published, "sent": sent}
    finally:
        await client.close()


def delete_stream(url: str) -> None:
    """Remove the stream, so a round starts with an empty one: JetStream would otherwise
    drop the same file's chunks as duplicates of the last round's (same message ids)."""
    import nats
    from nats.js.errors import NotFoundError

    from warden.engine import logbus

    async def delete() -> None:
        client = await nats.connect(url)
        try:
            with contextlib.suppress(NotFoundError):
                await client.jetstream().delete_stream(logbus.STREAM)
        finally:
            await client.close()

    asyncio.run(delete())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250106, help="traffic seed")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--chunk-mb", type=float, default=1.0, help="chunk size in MiB")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a round may take")
    parser.add_argument("--workdir", type=Path, help="where to put lists, log, database")
    parser.add_argument("--ut1", type=Path, default=None, help="UT1 folder (shared data)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    source = args.ut1 or shared_data_dir() / "ut1"
    if not source.is_dir():
        raise SystemExit(f"no UT1 lists at {source} (set WARDEN_SHARED_DATA)")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warden-cluster-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    say(
        f"{dt.date.today():%d/%m/%Y}: Python {platform.python_version()}, {os.cpu_count()} "
        f"CPUs, load average {os.getloadavg()[0]:.2f}"
    )

    started = time.perf_counter()
    names = [n for n in UT1_CATEGORIES if (source / n).is_dir()]
    lists = workdir / "lists"
    shutil.rmtree(lists, ignore_errors=True)
    prepare_lists(source, lists, names, raw=False)
    domains, urls = read_list_entries(lists, names)
    log = workdir / "access.log"
    write_access_log(log, args.lines, domains, urls, args.seed)
    size = log.stat().st_size
    say(
        f"traffic: {args.lines:,} lines, {size / 1e6:.0f} MB, {time.perf_counter() - started:.1f} s"
    )

    env = dict(os.environ)
    env["WARDEN_VAR_DIR"] = str(workdir / "var")
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    database = env["DATABASE_URL"].partition(":")[0]
    # The server's helpers live beside the worker in a module that needs Django's settings:
    # set up with the benchmark's own folder and database, never the installation's.
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warden.settings")
    import django

    django.setup()
    from warden.monitoring.jetstream import NatsProcess, nats_server_binary

    if nats_server_binary() is None:
        raise SystemExit("nats-server is not installed (Debian: apt install nats-server)")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    warden(env, "migrate", "-v0")
    for slug in (f"bench-w{n}" for n in args.workers):
        add_school(env, slug)
    say(f"database ({database}) migrated, schools added: {time.perf_counter() - started:.1f} s")

    server = NatsProcess(workdir / "nats", port=free_port(), monitor_port=free_port())
    server.start()
    figures: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "lines": args.lines,
        "bytes": size,
        "cpus": os.cpu_count(),
        "database": database,
        "chunk_mb": args.chunk_mb,
        "rounds": [],
    }
    try:
        single = 0.0
        limit = int(args.chunk_mb * 1024 * 1024)
        for count in args.workers:
            slug = f"bench-w{count}"
            delete_stream(server.url)
            workers = start_workers(env, server.url, slug, count)
            try:
                cpu = sum(process_cpu(worker.pid) for worker in workers)
                run = asyncio.run(publish_and_wait(server.url, slug, log, limit, args.timeout))
                cpu = sum(process_cpu(worker.pid) for worker in workers) - cpu
            finally:
                chunks, violations = stop_workers(workers)
            if chunks != run["sent"]:
                raise SystemExit(f"{run['sent']} chunks published but {chunks} ingested")
            rate = args.lines / run["wall"]
            if not single:  # the first round's rate, per worker
                single = rate / count
            row = {
                "workers": count,
                "wall_s": run["wall"],
                "lines_per_s": rate,
                "cpu_s_per_million": cpu / args.lines * 1e6,
                "efficiency": rate / (count * single),
                "publish_lines_per_s": args.lines / run["publish"],
                "chunks": chunks,
                "violations": violations,
            }
            figures["rounds"].append(row)
            say(
                f"{count} worker(s): {rate:,.0f} lines/s, "
                f"{row['cpu_s_per_million']:.1f} CPU s a million lines, "
                f"efficiency {row['efficiency']:.2f}; {chunks} chunks, {violations:,} "
                f"violations; published at {row['publish_lines_per_s']:,.0f} lines/s"
            )
    finally:
        server.stop()
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
