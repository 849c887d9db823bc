"""Backup → a new, empty installation → restore → ``warden audit verify``, on SQLite and on
PostgreSQL, each through the ``warden`` command in processes of its own (each installation
has its own settings: var folder, database, keys)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

# Only the settings each installation gives are passed on: nothing of the test process's own.
_DROPPED = ("DATABASE_URL", "SECRET_KEY", "WARDEN_AUDIT_KEY", "DJANGO_SETTINGS_MODULE")


def warden(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - this interpreter, running the warden command
        [sys.executable, "-m", "warden.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if ok:
        assert done.returncode == 0, f"warden {' '.join(args)} failed:\n{done.stderr}"
    return done


def installation(var: Path, database_url: str, **settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WARDEN_")}
    for key in _DROPPED:
        env.pop(key, None)
    env.update(WARDEN_VAR_DIR=str(var), DATABASE_URL=database_url, **settings)
    return env


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> tuple[Path, str]:
    """A key made by ``warden backup-key``: its file and the public key it printed."""
    folder = tmp_path_factory.mktemp("key")
    env = installation(folder / "var", f"sqlite:///{folder / 'unused.sqlite3'}")
    printed = warden(env, "backup-key", str(folder / "backup-key.txt")).stdout
    recipient = printed.split("WARDEN_BACKUP_RECIPIENT=")[1].split()[0]
    assert recipient.startswith("age1")
    return folder / "backup-key.txt", recipient


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied by each test (migrating takes a while)."""
    folder = tmp_path_factory.mktemp("template")
    database = folder / "warden.sqlite3"
    warden(installation(folder / "var", f"sqlite:///{database}"), "migrate", "--noinput")
    return database


def fill(env: dict[str, str]) -> dict[str, bytes]:
    """Give a migrated installation a school, a user, a signed checkpoint, uploaded files
    and archive files; returns the files by their path under the var folder."""
    warden(env, "add-school", "--name", "Oak Primary", "--slug", "oak", "--trust-slug", "oak")
    warden(
        env, "add-user", "ict", "--email", "ict@oak.example", "--first-name", "Sam",
        "--last-name", "Price", "--role", "ict_manager", "--school", "oak",
    )  # fmt: skip
    warden(env, "audit", "checkpoint")
    var = Path(env["WARDEN_VAR_DIR"])
    files = {
        "media/evidence/2026/screenshot.png": bytes(range(256)) * 40,
        "media/scans/agreement.pdf": b"%PDF-1.4 a signed agreement",
        "archive/school=oak/date=2026-12-01/part-0.parquet": b"PAR1" + os.urandom(5000),
    }
    for name, content in files.items():
        (var / name).parent.mkdir(parents=True, exist_ok=True)
        (var / name).write_bytes(content)
    return files


def dumped(env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the installation's database, by model, through ``warden dumpdata``."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in json.loads(warden(env, "dumpdata").stdout):
        rows.setdefault(row["model"], []).append(row)
    return rows


def round_trip(
    source: dict[str, str], target: dict[str, str], key: tuple[Path, str], engine: str
) -> None:
    files = fill(source)
    before = dumped(source)
    backups = Path(source["WARDEN_VAR_DIR"]).parent / "backups"
    backups.mkdir()

    written = warden(source, "backup", str(backups)).stdout
    (archive,) = backups.glob("warden-*.tar.age")
    assert f"Backup written: {archive}" in written
    # The uploads and archive files, the checkpoints, and the secret key if it was generated.
    held = len(files) + 1 + ("SECRET_KEY" not in source)
    assert f"the {engine} database and {held} files" in written
    assert archive.stat().st_mode & 0o077 == 0
    assert b"Oak Primary" not in archive.read_bytes()  # encrypted

    target["WARDEN_BACKUP_IDENTITY_FILE"] = str(key[0])
    restored = warden(target, "restore", str(archive)).stdout
    assert f"the {engine} database and {held} files" in restored
    verified = warden(target, "audit", "verify")
    assert "Audit trail intact" in verified.stdout
    assert "It passes through every checkpoint" in verified.stdout

    var = Path(target["WARDEN_VAR_DIR"])
    for name, content in files.items():
        assert (var / name).read_bytes() == content
    after = dumped(target)
    # The restored trail goes on from where the backup left it: one entry says so.
    entries_before = before.pop("core.auditentry")
    entries_after = after.pop("core.auditentry")
    assert entries_after[: len(entries_before)] == entries_before
    (restore_entry,) = entries_after[len(entries_before) :]
    assert restore_entry["fields"]["action"] == "backup.restored"
    assert restore_entry["fields"]["changes"]["file"] == archive.name
    head_before, head_after = before.pop("core.auditchainhead"), after.pop("core.auditchainhead")
    assert head_after[0]["fields"]["last_seq"] == head_before[0]["fields"]["last_seq"] + 1
    assert head_after[0]["fields"]["last_hash"] == restore_entry["fields"]["hash"]
    assert after == before


def test_a_sqlite_site_is_restored_into_a_new_installation(tmp_path, key, migrated_sqlite):
    source_db = tmp_path / "source" / "warden.sqlite3"
    source_db.parent.mkdir()
    shutil.copy(migrated_sqlite, source_db)
    source = installation(
        tmp_path / "source" / "var", f"sqlite:///{source_db}", WARDEN_BACKUP_RECIPIENT=key[1]
    )
    target = installation(
        tmp_path / "target" / "var", f"sqlite:///{tmp_path / 'target' / 'warden.sqlite3'}"
    )
    round_trip(source, target, key, "SQLite")
    # The generated secret key came along, so the checkpoints' signatures hold.
    assert (tmp_path / "target" / "var" / "secret_key").read_text() == (
        tmp_path / "source" / "var" / "secret_key"
    ).read_text()


def test_a_postgresql_site_is_restored_into_a_new_database(tmp_path, key, postgresql_databases):
    source_url, target_url = postgresql_databases
    # The site's secret key is given in the environment here, as SECRET_KEY, on both sides.
    secret = uuid.uuid4().hex * 2
    source = installation(
        tmp_path / "source" / "var", source_url, SECRET_KEY=secret, WARDEN_BACKUP_RECIPIENT=key[1]
    )
    target = installation(tmp_path / "target" / "var", target_url, SECRET_KEY=secret)
    warden(source, "migrate", "--noinput")
    round_trip(source, target, key, "PostgreSQL")
