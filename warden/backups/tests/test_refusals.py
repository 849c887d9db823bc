"""What a backup or a restore refuses, and that a refused restore changes nothing: no key, a
wrong key, a changed or cut-short file, a file that no longer matches its manifest, and an
installation that is not empty."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pyrage
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pyrage import x25519

from warden.backups.models import BackupRun
from warden.backups.services import backup_write
from warden.backups.tests.test_round_trip import installation, warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry

KEY = x25519.Identity.generate()
OTHER_KEY = x25519.Identity.generate()


@pytest.fixture
def site(settings, tmp_path, transactional_db) -> Path:
    """This installation's var folder in the test's own folder, with an upload in it.

    Committed data (``transactional_db``): SQLite's backup API cannot copy a database while
    its own connection holds a transaction open, as a plain ``db`` test does."""
    var = tmp_path / "var"
    settings.VAR_DIR = var
    settings.MEDIA_ROOT = var / "media"
    settings.WARDEN_BACKUP_RECIPIENT = [str(KEY.to_public())]
    settings.WARDEN_BACKUP_IDENTITY = str(KEY)
    (var / "media" / "evidence").mkdir(parents=True)
    (var / "media" / "evidence" / "note.txt").write_text("kept as it was")
    return var


@pytest.fixture
def backup(site, tmp_path) -> Path:
    run = backup_write(out=tmp_path)
    return tmp_path / run.file_name


def untouched(site: Path) -> None:
    """The installation is as it was: its upload is there and nothing was left beside it."""
    assert (site / "media" / "evidence" / "note.txt").read_text() == "kept as it was"
    assert sorted(path.name for path in site.iterdir()) == ["media"]
    assert not AuditEntry.objects.filter(action="backup.restored").exists()


def refused(archive: Path) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(archive))
    return str(refusal.value)


def test_a_backup_is_written_recorded_and_audited(site, backup):
    run = BackupRun.objects.get()
    assert (run.result, run.file_name, run.size) == ("ok", backup.name, backup.stat().st_size)
    entry = AuditEntry.objects.get(action="backup.written")
    assert entry.changes == {"file": backup.name, "size": backup.stat().st_size}


def test_a_backup_without_a_public_key_is_refused_and_recorded_as_failed(site, settings, tmp_path):
    settings.WARDEN_BACKUP_RECIPIENT = []
    with pytest.raises(CommandError, match="set WARDEN_BACKUP_RECIPIENT to the public key"):
        call_command("backup", str(tmp_path))
    run = BackupRun.objects.get()
    assert run.result == "failed"
    assert "WARDEN_BACKUP_RECIPIENT" in run.message
    assert AuditEntry.objects.get(action="backup.failed").changes["problem"] == run.message
    assert not list(tmp_path.glob("warden-*"))


def test_a_backup_never_overwrites_a_file(site, tmp_path):
    existing = tmp_path / "monday.age"
    existing.write_bytes(b"an older backup")
    with pytest.raises(ServiceError, match="already exists: give a new file name"):
        backup_write(out=existing)
    assert existing.read_bytes() == b"an older backup"


def test_a_malformed_public_key_is_named(site, settings, tmp_path):
    settings.WARDEN_BACKUP_RECIPIENT = ["age1notakey"]
    with pytest.raises(ServiceError, match="is not an age public key"):
        backup_write(out=tmp_path)


def test_a_restore_without_the_secret_key_is_refused(site, backup, settings):
    settings.WARDEN_BACKUP_IDENTITY = None
    assert "set WARDEN_BACKUP_IDENTITY_FILE to the key file" in refused(backup)
    untouched(site)


def test_a_restore_with_another_key_is_refused(site, backup, settings):
    # A key file as 'warden backup-key' writes it: a comment line, then the key.
    settings.WARDEN_BACKUP_IDENTITY = f"# public key: {OTHER_KEY.to_public()}\n{OTHER_KEY}"
    assert f"{backup.name} was not encrypted to this key" in refused(backup)
    untouched(site)


@pytest.mark.parametrize("damage", ["changed", "cut short"])
def test_a_changed_or_cut_short_backup_is_refused(site, backup, damage):
    data = bytearray(backup.read_bytes())
    if damage == "changed":
        data[len(data) // 2] ^= 0x01
    else:
        del data[len(data) - 100 :]
    backup.write_bytes(bytes(data))
    assert "was changed or cut short after it was written" in refused(backup)
    untouched(site)


def test_a_file_that_is_not_a_backup_is_refused(site, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup")
    assert "is not a Warden backup" in refused(stray)
    untouched(site)


def _reencrypted(backup: Path, change) -> None:
    """Decrypt ``backup``, let ``change`` rewrite its members, encrypt it again."""
    decrypted = io.BytesIO(pyrage.decrypt(backup.read_bytes(), [KEY]))
    out = io.BytesIO()
    with tarfile.open(fileobj=decrypted) as plain, tarfile.open(fileobj=out, mode="w") as tar:
        for member in plain.getmembers():
            source = plain.extractfile(member)
            assert source is not None
            content = change(member.name, source.read())
            if content is None:
                continue
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    backup.write_bytes(pyrage.encrypt(out.getvalue(), [KEY.to_public()]))


def test_a_file_changed_inside_a_backup_fails_its_checksum(site, backup):
    _reencrypted(
        backup,
        lambda name, content: b"rewritten" if name == "media/evidence/note.txt" else content,
    )
    message = refused(backup)
    assert "media/evidence/note.txt in" in message
    assert "does not match the checksum in its manifest" in message
    untouched(site)


def test_a_file_removed_from_a_backup_is_missed(site, backup):
    _reencrypted(
        backup, lambda name, content: None if name == "media/evidence/note.txt" else content
    )
    message = refused(backup)
    assert "does not match its manifest (for instance media/evidence/note.txt)" in message
    untouched(site)


def test_a_restore_into_a_site_with_data_is_refused(site, backup):
    message = refused(backup)
    assert "This installation's database already holds" in message
    assert "Restore only into an empty database: create a new one" in message
    untouched(site)


def test_a_restore_that_would_mix_uploads_is_refused(site, backup, tmp_path):
    # A new installation, its database still empty, but with an upload of its own.
    var = tmp_path / "new" / "var"
    (var / "media").mkdir(parents=True)
    (var / "media" / "stray.txt").write_text("someone else's")
    env = installation(
        var, f"sqlite:///{tmp_path / 'new' / 'warden.sqlite3'}", WARDEN_BACKUP_IDENTITY=str(KEY)
    )
    done = warden(env, "restore", str(backup), ok=False)
    assert done.returncode == 1
    assert f"{var / 'media'} already holds files. Restore only into an empty" in done.stderr
    assert sorted(path.name for path in (var / "media").iterdir()) == ["stray.txt"]
    assert not [path.name for path in var.iterdir() if path.name.startswith(".")]


def test_a_backup_of_one_kind_of_database_is_refused_by_the_other(
    site, backup, tmp_path, postgresql_databases
):
    if connection.vendor == "sqlite":
        held, other = "SQLite", postgresql_databases[1]
    else:
        held, other = "PostgreSQL", f"sqlite:///{tmp_path / 'new.sqlite3'}"
    env = installation(tmp_path / "new" / "var", other, WARDEN_BACKUP_IDENTITY=str(KEY))
    done = warden(env, "restore", str(backup), ok=False)
    assert done.returncode == 1
    assert f"{backup.name} holds a {held} database, but this installation uses" in done.stderr
    assert "set DATABASE_URL to an empty" in done.stderr
    assert not (tmp_path / "new" / "var" / "audit-checkpoints").exists()
