"""A live Warden for the browser journeys: `warden serve` with its own var folder and data.

The server is the project's own `warden serve` (gunicorn) on a free loopback port, with its own
``WARDEN_VAR_DIR`` in a temporary folder: its own SQLite database (migrated, then loaded with
`warden demo`), its own secret key, and e-mail written to a file spool there
(``EMAIL_URL=file://…``). It always uses SQLite, even when the test run's ``DATABASE_URL``
points at PostgreSQL: the journeys test pages, not the database engine.

Tests read what is stored through :meth:`LiveWarden.query` (read-only SQL on the server's
database file) and change data only by clicking, or through a `warden` command
(:meth:`LiveWarden.warden`) or a Python snippet run by `warden shell` in a process of its own
(:meth:`LiveWarden.python`), never by importing Django models into the test process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.apps import apps

import warden
from warden.demo.trust import DEMO_PASSWORD

WARDEN = str(Path(sys.executable).with_name("warden"))
START_TIMEOUT = 120.0
CACHE_DIR = Path(warden.__file__).resolve().parent.parent / "var" / "browser-cache"
# Django's file e-mail backend separates messages written by one connection with this line.
MAIL_SEPARATOR = re.compile(rb"^-{79}$", re.MULTILINE)
URL = re.compile(r"https?://[^\s<>\"']+")


def migrations_digest() -> str:
    digest = hashlib.sha256(sqlite3.sqlite_version.encode())
    for app in apps.get_app_configs():
        for path in sorted(Path(app.path).glob("migrations/*.py")):
            digest.update(f"{app.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _sqlite_copy(source: Path, target: Path) -> None:
    # SQLite's backup copies what is still in the write-ahead log, which a file copy misses.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Mail:
    """One e-mail the server sent, as the person receiving it would read it."""

    to: list[str]
    subject: str
    body: str

    @property
    def links(self) -> list[str]:
        return [url.rstrip(".,);") for url in URL.findall(self.body)]


@dataclass
class LiveWarden:
    """A running `warden serve` and the folder it keeps its data in."""

    var_dir: Path
    port: int = field(default_factory=free_port)
    password: str = DEMO_PASSWORD
    process: subprocess.Popen[bytes] | None = None
    # Authenticator keys of the users who enrolled in this session, and the last code each
    # used (see tests.browser.helpers.sign_in).
    totp_secrets: dict[str, str] = field(default_factory=dict)
    totp_used: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.var_dir / "warden.sqlite3"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def log_path(self) -> Path:
        return self.var_dir / "server.log"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "WARDEN_", "EMAIL_", "DATABASE_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="warden.settings",
            WARDEN_VAR_DIR=str(self.var_dir),
            DATABASE_URL=f"sqlite:///{self.database}",
            EMAIL_URL=f"file://{self.mail_dir}",
            WARDEN_BASE_URL=self.url,
            SECRET_KEY="browser-journeys-only-" + "x" * 40,
            DEBUG="0",
            LOG_LEVEL="WARNING",
        )
        return env

    # --- running commands against the server's data --------------------------------------

    def warden(self, *args: str, timeout: float = 120) -> str:
        """Run a `warden` command against the server's database; return what it printed."""
        done = subprocess.run(  # noqa: S603
            [WARDEN, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"`warden {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n"
                f"{done.stderr}"
            )
        return done.stdout

    def python(self, code: str) -> Any:
        """Run ``code`` inside Warden (`warden shell`) and return the JSON it prints last.

        For setting up what a journey cannot reach by clicking (a monitoring alert arriving,
        a date passing). Write through services, as every other part of Warden does.
        """
        out = self.warden("shell", "--no-imports", "-c", code).strip()
        last = out.splitlines()[-1] if out else "null"
        return json.loads(last)

    def run_tasks(self) -> None:
        """Carry out every queued background task (e-mails...) as `warden worker` would."""
        self.warden("worker", "--batch")

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Read-only SQL against the server's database: what the journey stored."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=20)
        try:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(sql, params)]
        finally:
            connection.close()

    def query_one(self, sql: str, *params: Any) -> dict[str, Any]:
        rows = self.query(sql, *params)
        if len(rows) != 1:
            raise AssertionError(f"expected one row, got {len(rows)}: {sql} {params}")
        return rows[0]

    # --- e-mail ---------------------------------------------------------------------------

    def mail_files(self) -> set[Path]:
        return set(self.mail_dir.glob("*.log")) if self.mail_dir.exists() else set()

    def mails(self, *, run_tasks: bool = True) -> list[Mail]:
        """Every e-mail the server sent, after carrying out the queued tasks that send them."""
        if run_tasks:
            self.run_tasks()
        found: list[Mail] = []
        for path in sorted(self.mail_files()):
            for chunk in MAIL_SEPARATOR.split(path.read_bytes()):
                if not chunk.strip():
                    continue
                message = message_from_bytes(chunk.lstrip(b"\r\n"), policy=policy.default)
                assert isinstance(message, EmailMessage)
                body = message.get_body(preferencelist=("plain",))
                found.append(
                    Mail(
                        to=[a.strip() for a in str(message.get("To", "")).split(",")],
                        subject=str(message.get("Subject", "")),
                        body=body.get_content() if body is not None else "",
                    )
                )
        return found

    # --- starting and stopping ------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate a fresh database and load the demo trust into it."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self._migrate()
        self.warden("demo", "--schools", "2", "--pupils", "10", timeout=600)

    def _migrate(self) -> None:
        # Migrating from nothing takes minutes on a busy machine, so the migrated, empty
        # database is kept under var/ for the next run, named by the content of every
        # migration (Warden's and the installed packages'): any change makes a new one.
        cached = CACHE_DIR / f"migrated-{migrations_digest()}.sqlite3"
        if not cached.exists():
            self.warden("migrate", "--noinput", timeout=600)
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            for old in CACHE_DIR.glob("migrated-*.sqlite3"):
                old.unlink(missing_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.partial")
            _sqlite_copy(self.database, partial)
            partial.replace(cached)
        else:
            _sqlite_copy(cached, self.database)
            # Quick when nothing is missing; safe if a migration arrived since the copy.
            self.warden("migrate", "--noinput", timeout=600)

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [WARDEN, "serve", "--port", str(self.port), "--workers", "1", "--threads", "4"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"warden serve stopped at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"warden serve did not answer /healthz in time:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # gunicorn's workers share the session started for it: stop the whole group.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, since: int = 0, limit: int = 6000) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", "replace")[-limit:]

    def errors_since(self, offset: int) -> str:
        """Tracebacks the server logged since ``offset`` (a page that failed with a 500)."""
        text = self.log_tail(offset, limit=20000)
        return text if "Traceback (most recent call last)" in text else ""
