"""Running one measurement in a child process of its own, for its time and peak memory.

A benchmark's parent prepares (migrates a database, writes input files) and then runs each
measurement as a fresh Python process, so that the peak resident memory the kernel reports
for that child (``ru_maxrss`` from ``wait4``) is the measurement's own and not the
preparation's. The child answers with JSON in a file the parent names.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def django_env(workdir: Path, database_url: str) -> dict[str, str]:
    """The environment of a Warden process on ``database_url`` with its var folder in
    ``workdir``."""
    return dict(
        os.environ,
        WARDEN_VAR_DIR=str(workdir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="warden.settings",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )


def migrate(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "warden.cli", "migrate", "-v0"]
    subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=900)  # noqa: S603


@contextlib.contextmanager
def database(workdir: Path, *, postgres: str = "") -> Iterator[str]:
    """A database URL for one run: SQLite in ``workdir``, or with ``postgres`` the named
    database on the local PostgreSQL, created here and dropped at the end."""
    if not postgres:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    admin = ["psql", f"{POSTGRES}/postgres", "-v", "ON_ERROR_STOP=1", "-qAtc"]
    drop = f'drop database if exists "{postgres}" with (force)'
    subprocess.run([*admin, drop], check=True, timeout=120)  # noqa: S603
    subprocess.run([*admin, f'create database "{postgres}"'], check=True, timeout=120)  # noqa: S603
    try:
        yield f"{POSTGRES}/{postgres}"
    finally:
        subprocess.run([*admin, drop], check=True, timeout=120)  # noqa: S603


@dataclass(frozen=True)
class Measured:
    """A finished child process: wall and CPU seconds (its own and its children's), peak
    resident memory in MB (10⁶ bytes), and what it printed."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str


def run_measured(command: list[str], env: dict[str, str], timeout: float) -> Measured:
    """Run ``command`` to the end, with its output captured, and measure it."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, stdout=output, stderr=None
        )
        try:
            status, usage = _wait4(process.pid, timeout)
        except BaseException:
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        printed = output.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{command} failed with exit code {process.returncode}:\n{printed}")
    # ru_maxrss is in KiB on Linux.
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 1e6, printed)


def run_child(args: list[str], env: dict[str, str], timeout: float) -> tuple[Any, float]:
    """Run ``python <args> --out FILE`` and return its JSON answer and its peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        measured = run_measured([sys.executable, *args, "--out", out.name], env, timeout)
        return json.loads(Path(out.name).read_text()), measured.peak_mb


def _wait4(pid: int, timeout: float) -> tuple[int, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found, status, usage = os.wait4(pid, os.WNOHANG)
        if found:
            return status, usage
        if time.monotonic() > deadline:
            raise TimeoutError(f"the measurement did not finish within {timeout:.0f} s")
        time.sleep(0.05)


def timing_line(name: str, times: list[float], cpu: float, goal: float | None) -> str:
    """One measurement's median, range and CPU seconds, and its goal where it has one."""
    median = statistics.median(times)
    verdict = ""
    if goal is not None:
        verdict = f" — {'within' if median <= goal else 'OVER'} the {goal:.0f} s goal"
    return (
        f"{name:>10}: median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}) "
        f"over {len(times)}, CPU {cpu:.2f} s{verdict}"
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def setup_django() -> None:
    """In a child: Django on the database the parent migrated (nothing else)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
