"""The Squid helpers' heartbeats: how Warden knows its helpers are running.

Each ``warden filter-helper`` process writes a small JSON file under the school's filtering
folder (``helpers/<host>-<pid>.json``) when it starts and every
``conf.HEARTBEAT_SECONDS`` after, from a thread beside the helper loop: its host, process
id, start time, last beat and the SHA-256 of the snapshot file it reads (the helper reloads
a replaced file within seconds, so this is the policy it applies). A helper that stops
cleanly removes its file; a file not renewed for ``conf.HELPER_SILENT_AFTER`` seconds is a
helper that died or hangs. Files, not database rows: a helper touches no database, so Squid
can start many of them cheaply.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warden.engine.lists import write_atomic
from warden.monitoring import conf

# Files older than this are removed when read: a helper gone for a day is history.
FORGET_AFTER = 24 * 3600


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def beat(slug: str, snapshot: Path, started: float, *, now: float | None = None) -> Path:
    """Write this process's heartbeat for school ``slug``; returns the file."""
    host = socket.gethostname()
    target = conf.heartbeat_dir(slug) / f"{host}-{os.getpid()}.json"
    record = {
        "host": host,
        "pid": os.getpid(),
        "started": started,
        "seen": time.time() if now is None else now,
        "snapshot_sha256": _file_sha256(snapshot),
    }
    write_atomic(target, json.dumps(record).encode())
    return target


@contextlib.contextmanager
def beating(slug: str, snapshot: Path) -> Iterator[None]:
    """Beat now and every ``conf.HEARTBEAT_SECONDS`` while the block runs; remove the file
    when it ends (a helper stopped by Squid is not a silent one)."""
    started = time.time()
    stop = threading.Event()
    path = beat(slug, snapshot, started)

    def loop() -> None:
        while not stop.wait(conf.HEARTBEAT_SECONDS):
            with contextlib.suppress(OSError):
                beat(slug, snapshot, started)

    thread = threading.Thread(target=loop, name="warden-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Heartbeat:
    host: str
    pid: int
    started: dt.datetime
    seen: dt.datetime
    snapshot_sha256: str
    silent: bool


def heartbeats(slug: str, *, now: float | None = None) -> list[Heartbeat]:
    """The school's helpers as they last reported, latest first; a helper silent for
    ``conf.HELPER_SILENT_AFTER`` seconds is marked ``silent``."""
    now = time.time() if now is None else now
    found = []
    folder = conf.heartbeat_dir(slug)
    if not folder.is_dir():
        return []
    for path in folder.glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            seen = float(record["seen"])
            beat_ = Heartbeat(
                host=str(record["host"])[:100],
                pid=int(record["pid"]),
                started=dt.datetime.fromtimestamp(float(record["started"]), dt.UTC),
                seen=dt.datetime.fromtimestamp(seen, dt.UTC),
                snapshot_sha256=str(record.get("snapshot_sha256", ""))[:64],
                silent=now - seen > conf.HELPER_SILENT_AFTER,
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being replaced, or not ours
        if now - seen > FORGET_AFTER:
            path.unlink(missing_ok=True)
            continue
        found.append(beat_)
    return sorted(found, key=lambda b: b.seen, reverse=True)
