"""Copy the site's database out to one file and back in, for SQLite and PostgreSQL.

SQLite is copied with its online backup API, a consistent snapshot taken while the web
server and the worker keep writing. PostgreSQL is dumped with ``pg_dump`` (custom format,
itself one consistent snapshot) and loaded with ``pg_restore`` in a single transaction, so
a failed restore leaves the database as empty as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

from warden.core.errors import ServiceError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_ENGINES = {
    "django.db.backends.sqlite3": SQLITE,
    "django.db.backends.postgresql": POSTGRESQL,
}
DUMP_NAMES = {SQLITE: "warden.sqlite3", POSTGRESQL: "warden.pgdump"}
ENGINE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


def database_engine() -> str:
    """``sqlite`` or ``postgresql``: the kinds of database a backup can hold."""
    engine = connection.settings_dict["ENGINE"]
    if engine not in _ENGINES:
        raise ServiceError(
            f"Backups copy SQLite and PostgreSQL databases; this site's DATABASE_URL uses "
            f"{engine}. Back the database up with its own tools."
        )
    return _ENGINES[engine]


def database_tables() -> list[str]:
    """The tables the database holds now (none in a new, empty database)."""
    return list(connection.introspection.table_names())


def _sqlite_copy(file: Path, *, into_site: bool) -> None:
    """Copy the site's SQLite database to ``file``, or ``file`` into it, with the backup API
    (a consistent snapshot of the source; the target changes all at once)."""
    # The backup API waits, without end, for a transaction of its own connection.
    if connection.in_atomic_block:
        raise ServiceError(
            "A SQLite backup or restore cannot run inside a transaction: call it on its own."
        )
    connection.ensure_connection()
    site = connection.connection
    other = sqlite3.connect(file)
    try:
        if into_site:
            other.backup(site)
        else:
            site.backup(other)
    finally:
        other.close()


def database_dump(target: Path) -> None:
    """Write a consistent copy of the whole database to ``target``."""
    if database_engine() == SQLITE:
        _sqlite_copy(target, into_site=False)
        return
    _run_postgresql_tool(
        "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
    )


def database_load(source: Path) -> None:
    """Load a copy written by :func:`database_dump` into this (empty) database, all or
    nothing."""
    if database_engine() == SQLITE:
        _sqlite_copy(source, into_site=True)
        return
    _run_postgresql_tool(
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source),
        ],
    )


def _run_postgresql_tool(program: str, arguments: list[str]) -> None:
    """Run ``pg_dump`` or ``pg_restore`` against the site's database.

    The connection details go in libpq's environment variables, so the password is never
    on a command line another user could read.
    """
    executable = shutil.which(program)
    if executable is None:
        raise ServiceError(
            f"{program} is not installed: install the PostgreSQL client programs "
            "(Debian: postgresql-client) of the same major version as the server."
        )
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
        ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    done = subprocess.run(  # noqa: S603 - a fixed program with arguments Warden builds
        [executable, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        said = " ".join(done.stderr.strip().splitlines()[-3:]) or f"exit status {done.returncode}"
        raise ServiceError(f"{program} failed: {said}")
