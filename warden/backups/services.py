"""Backups: one encrypted file holding everything a new installation needs to carry on.

``backup_write`` puts the database (``databases.database_dump``), the uploaded files
(``MEDIA_ROOT``), the browsing-history Parquet archive, the audit checkpoint file and the
generated secret key (when the site uses one) into a tar archive with a manifest of every
file's size and SHA-256, and encrypts it with age to the configured public keys.

``backup_restore`` decrypts one, checks every file against the manifest, and only then, and
only into an empty installation, loads the database (all or nothing) and moves each folder
into place with one rename.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyrage
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warden.backups.databases import (
    DUMP_NAMES,
    ENGINE_NAMES,
    database_dump,
    database_engine,
    database_load,
    database_tables,
)
from warden.backups.keys import backup_identities, backup_recipients
from warden.backups.models import BackupRun
from warden.core.audit import audit_log
from warden.core.audit_checkpoints import checkpoint_path
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.monitoring.ingestion import archive_root

FORMAT = "warden-backup"
VERSION = 1
MANIFEST = "manifest.json"
FILE_PATTERN = "warden-*.tar.age"
_CHUNK = 1024 * 1024


def _folders() -> dict[str, Path]:
    """The folders a backup holds, by the name they have inside it."""
    return {"media": Path(settings.MEDIA_ROOT), "archive": archive_root()}


def _secret_key_file() -> Path | None:
    """The generated secret key, when the site uses it rather than SECRET_KEY.

    Audit checkpoints are signed with a key derived from it (unless WARDEN_AUDIT_KEY is
    set), so a new installation needs it for ``warden audit verify`` to accept them.
    """
    path = Path(settings.VAR_DIR) / "secret_key"
    if path.is_file() and path.read_text(encoding="utf-8").strip() == settings.SECRET_KEY:
        return path
    return None


def _single_files() -> dict[str, Path]:
    files = {"audit-checkpoints": checkpoint_path()}
    secret_key = _secret_key_file()
    if secret_key is not None:
        files["secret_key"] = secret_key
    return files


def _work_folder(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A folder for the unencrypted archive, inside Warden's private var folder."""
    return tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix=prefix)


class _Hashing(io.RawIOBase):
    """Reads through to ``source``, hashing what passes."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.digest.hexdigest()}


# Backing up ---------------------------------------------------------------------------------


def _target(out: Path, now: dt.datetime, *, folder: bool) -> Path:
    if folder:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
    if out.is_dir():
        return out / f"warden-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.age"
    if out.exists():
        raise ServiceError(f"{out} already exists: give a new file name or a folder.")
    if not out.parent.is_dir():
        raise ServiceError(f"There is no folder {out.parent}: create it first.")
    return out


def _write_archive(target: Path, recipients: list[Any], now: dt.datetime) -> dict[str, Any]:
    engine = database_engine()
    entries: list[dict[str, Any]] = []
    with _work_folder(".backup-") as work:
        plain = Path(work) / "backup.tar"
        with tarfile.open(plain, "w") as tar:
            dump = Path(work) / DUMP_NAMES[engine]
            database_dump(dump)
            entries.append(_add(tar, dump, f"database/{dump.name}"))
            dump.unlink()
            for name, folder in _folders().items():
                for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
                    if path.is_file() and not path.is_symlink():
                        relative = path.relative_to(folder).as_posix()
                        entries.append(_add(tar, path, f"{name}/{relative}"))
            for name, path in _single_files().items():
                if path.is_file():
                    entries.append(_add(tar, path, name))
            manifest = {
                "format": FORMAT,
                "version": VERSION,
                "written_at": now.isoformat(),
                "database": engine,
                "files": entries,
            }
            data = json.dumps(manifest, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
        partial = target.with_name(f".{target.name}.partial")
        try:
            with plain.open("rb") as source, partial.open("xb") as sink:
                pyrage.encrypt_io(source, sink, recipients)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _file_count(manifest: dict[str, Any]) -> int:
    """The files a backup holds besides the database."""
    return sum(1 for entry in manifest["files"] if not entry["path"].startswith("database/"))


def _record(
    *, started: dt.datetime, result: str, target: Path | None, message: str, actor: User | None
) -> BackupRun:
    size = target.stat().st_size if target is not None and result == BackupRun.Result.OK else 0
    with transaction.atomic():
        run = BackupRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            result=result,
            file_name=target.name if target is not None else "",
            size=size,
            message=message,
        )
        changes: dict[str, Any] = {"file": run.file_name}
        if result == BackupRun.Result.OK:
            changes["size"] = size
        else:
            changes["problem"] = message
        audit_log(
            actor=actor,
            action="backup.written" if result == BackupRun.Result.OK else "backup.failed",
            obj=run,
            changes=changes,
        )
    return run


def backup_write(*, out: Path, folder: bool = False, actor: User | None = None) -> BackupRun:
    """Write an encrypted backup to the file ``out``, or into the folder ``out`` under a
    dated name (with ``folder``, the folder is created when missing).

    Refuses when no public key is configured or the file exists. Success and failure are
    both recorded (a ``BackupRun`` and an audit entry), so the ICT manager's home page
    shows when the last good backup was written and why the last one failed.
    """
    started = timezone.now()
    target: Path | None = None
    try:
        recipients = backup_recipients()
        target = _target(out, started, folder=folder)
        manifest = _write_archive(target, recipients, started)
    except ServiceError as exc:
        _record(
            started=started,
            result=BackupRun.Result.FAILED,
            target=target,
            message=exc.message,
            actor=actor,
        )
        raise
    except (OSError, tarfile.TarError, pyrage.EncryptError) as exc:
        message = f"The backup could not be written: {exc}"
        _record(
            started=started,
            result=BackupRun.Result.FAILED,
            target=target,
            message=message,
            actor=actor,
        )
        raise ServiceError(message) from exc
    return _record(
        started=started,
        result=BackupRun.Result.OK,
        target=target,
        message=f"the {ENGINE_NAMES[manifest['database']]} database and "
        f"{_file_count(manifest)} files",
        actor=actor,
    )


def backup_prune(*, folder: Path, keep: int, actor: User | None = None) -> list[str]:
    """Remove all but the newest ``keep`` backups Warden wrote into ``folder``."""
    if keep < 1:
        raise ServiceError("WARDEN_BACKUP_KEEP must be at least 1, or no backup would be kept.")
    written = sorted(folder.glob(FILE_PATTERN), key=lambda path: path.name, reverse=True)
    removed = [path.name for path in written[keep:]]
    if not removed:
        return []
    with transaction.atomic():
        audit_log(actor=actor, action="backup.pruned", changes={"files": removed, "kept": keep})
        for path in written[keep:]:
            path.unlink()
    return removed


# Restoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    written_at: str
    database: str
    files: int
    secret_key_restored: bool


def _decrypt(archive: Path, plain: Path, identities: list[Any]) -> None:
    try:
        pyrage.decrypt_file(str(archive), str(plain), identities)
    except pyrage.DecryptError as exc:
        if "no matching keys" in str(exc).lower():
            raise ServiceError(
                f"{archive.name} was not encrypted to this key: set WARDEN_BACKUP_IDENTITY "
                "to the secret key whose public key was WARDEN_BACKUP_RECIPIENT when the "
                "backup was written."
            ) from None
        raise ServiceError(
            f"{archive.name} is not a Warden backup, or was changed or cut short after it "
            f"was written ({exc}): restore from another backup."
        ) from None
    except OSError:
        raise ServiceError(
            f"{archive.name} was changed or cut short after it was written, so it cannot be "
            "decrypted: restore from another backup."
        ) from None


def _manifest(tar: tarfile.TarFile, name: str) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        manifest = json.loads(handle.read()) if handle is not None else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ServiceError(f"{name} holds no Warden backup manifest: it is not a Warden backup.")
    if manifest.get("version") != VERSION:
        raise ServiceError(
            f"{name} was written by another version of Warden (backup format "
            f"{manifest.get('version')}): restore it with that version."
        )
    if manifest.get("database") not in ENGINE_NAMES:
        raise ServiceError(f"{name} holds no database Warden can restore: it is damaged.")
    return manifest


def _refuse_another_kind_of_database(manifest: dict[str, Any], name: str) -> None:
    engine = database_engine()
    if manifest["database"] != engine:
        held = ENGINE_NAMES[manifest["database"]]
        raise ServiceError(
            f"{name} holds a {held} database, but this installation uses {ENGINE_NAMES[engine]}:"
            f" set DATABASE_URL to an empty {held} database and restore again."
        )


def _destination(name: str) -> tuple[str, str]:
    """Which folder or file a path inside the backup belongs to, and the rest of it."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts:
        return "", ""
    head, rest = parts[0], "/".join(parts[1:])
    if head in {"database", *_folders()} and rest:
        return head, rest
    if head in {"audit-checkpoints", "secret_key"} and not rest:
        return head, ""
    return "", ""


@contextmanager
def _staging(targets: list[Path]) -> Iterator[dict[Path, Path]]:
    """A private temporary folder beside each target, so each moves into place by a rename
    on its own file system; whatever is left is removed."""
    staged: dict[Path, Path] = {}
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            staged[target] = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        yield staged
    finally:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)


def _check_and_stage(
    tar: tarfile.TarFile, manifest: dict[str, Any], name: str, work: Path, staged: dict[Path, Path]
) -> Path:
    """Extract every file into its staging folder, checking it against the manifest; returns
    the database copy."""
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    members = {member.name: member for member in tar.getmembers() if member.name != MANIFEST}
    if set(members) != set(listed):
        extra = sorted(set(members) - set(listed)) or sorted(set(listed) - set(members))
        raise ServiceError(
            f"{name} does not match its manifest (for instance {extra[0]}): it was changed "
            "after it was written. Restore from another backup."
        )
    folders = _folders()
    files = _single_files_for_restore()
    database: Path | None = None
    for path, entry in listed.items():
        member = members[path]
        head, rest = _destination(path)
        if not head or not member.isfile():
            raise ServiceError(
                f"{name} holds {path}, which is not a file a Warden backup holds: "
                "restore from another backup."
            )
        if head == "database":
            out = work / PurePosixPath(rest).name
            database = out
        elif head in folders:
            out = staged[folders[head]] / "content" / rest
        else:
            out = staged[files[head]] / "content"
        out.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None  # a regular file, checked above
        reader = _Hashing(source)
        with out.open("xb") as sink:
            shutil.copyfileobj(reader, sink, _CHUNK)
        if reader.digest.hexdigest() != entry.get("sha256") or member.size != entry.get("size"):
            raise ServiceError(
                f"{path} in {name} does not match the checksum in its manifest: the backup was "
                "changed after it was written. Restore from another backup."
            )
    if database is None:
        raise ServiceError(f"{name} holds no database: restore from another backup.")
    return database


def _single_files_for_restore() -> dict[str, Path]:
    # The restored site's generated key goes where this installation keeps its own.
    return {
        "audit-checkpoints": checkpoint_path(),
        "secret_key": Path(settings.VAR_DIR) / "secret_key",
    }


def _refuse_unless_empty() -> None:
    tables = database_tables()
    if tables:
        raise ServiceError(
            f"This installation's database already holds {len(tables)} tables (for instance "
            f"{sorted(tables)[0]}). Restore only into an empty database: create a new one, "
            "point DATABASE_URL at it and run 'warden restore' before 'warden migrate'."
        )
    for folder in _folders().values():
        if folder.is_dir() and any(folder.iterdir()):
            raise ServiceError(
                f"{folder} already holds files. Restore only into an empty installation: "
                "move that folder's contents away first."
            )
    checkpoints = checkpoint_path()
    if checkpoints.is_file() and checkpoints.stat().st_size:
        raise ServiceError(
            f"{checkpoints} already holds audit checkpoints of another trail. Restore only "
            "into an empty installation: move that file away first."
        )


def _move_into_place(staged: dict[Path, Path]) -> None:
    for target, folder in staged.items():
        content = folder / "content"
        if not content.exists():
            continue
        if target.is_dir():
            target.rmdir()  # empty, as checked; a folder is swapped in by one rename
        os.replace(content, target)


def backup_restore(*, archive: Path, actor: User | None = None) -> RestoreReport:
    """Restore the backup ``archive`` into this empty installation.

    Checks first, changes nothing until every check passes: the key decrypts it, every file
    matches the manifest's size and SHA-256, the database is of the same kind, and the
    installation is empty (no tables, no uploads, no archive, no checkpoints). Then loads the
    database in one transaction, moves each folder into place with one rename, and writes an
    audit entry into the restored trail.
    """
    identities = backup_identities()
    if not archive.is_file():
        raise ServiceError(f"There is no backup file at {archive}: give the file's path.")
    name = archive.name
    folders = _folders()
    files = _single_files_for_restore()
    with (
        _work_folder(".restore-") as work_name,
        _staging([*folders.values(), *files.values()]) as staged,
    ):
        work = Path(work_name)
        plain = work / "backup.tar"
        _decrypt(archive, plain, identities)
        try:
            with tarfile.open(plain) as tar:
                manifest = _manifest(tar, name)
                database = _check_and_stage(tar, manifest, name, work, staged)
        except tarfile.TarError:
            raise ServiceError(
                f"{name} decrypts, but what it holds is not a tar archive: it is not a "
                "Warden backup. Restore from another backup."
            ) from None
        plain.unlink()
        _refuse_unless_empty()
        _refuse_another_kind_of_database(manifest, name)
        database_load(database)
        secret_key_restored = (staged[files["secret_key"]] / "content").exists()
        _move_into_place(staged)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="backup.restored",
            changes={"file": name, "written_at": manifest["written_at"]},
        )
    return RestoreReport(
        written_at=manifest["written_at"],
        database=ENGINE_NAMES[manifest["database"]],
        files=_file_count(manifest),
        secret_key_restored=secret_key_restored,
    )
