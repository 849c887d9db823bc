"""Scheduled MIS pulls: the newest export in a folder or an SFTP drop, imported once.

A school's MIS (or its IT provider) drops a CSV export into a folder Warden can read, or on
an SFTP server. ``feed_pull`` takes the newest file whose name matches the feed's pattern;
a file already pulled (same name, same SHA-256) is never imported again, and older files
are never gone back to (importing an older export after a newer one would undo changes).
The file goes through the same import as an upload (``importing.people_import``) with the
feed's preset, and the run is recorded as an ``ImportRun``: applied at once, or a dry run
waiting for someone to review it on the import's preview page.

SFTP connections check the server's host key against the one the feed records, before any
password or key is offered; passwords and keys are read from the environment or from files,
never stored in Warden (as the directory connector's bind password).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import paramiko
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_acting_school, audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import School, User
from warden.core.secrets import secret_from
from warden.people.importing import ImportReport, people_import
from warden.people.models import FeedFile, FeedSource, ImportRun, MisFeed

MAX_FEED_BYTES = 10 * 1024 * 1024
CONNECT_TIMEOUT = 15

FEED_FIELDS = (
    "is_active",
    "source_kind",
    "folder",
    "sftp_host",
    "sftp_port",
    "sftp_user",
    "sftp_host_key",
    "sftp_key_file",
    "sftp_password_env",
    "sftp_password_file",
    "sftp_path",
    "pattern",
    "source",
    "default_type",
    "apply_automatically",
)


# --- what a feed may be set to -------------------------------------------------------------

_KEY_TYPE = re.compile(r"^(ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521))$")


def parse_host_key(text: str) -> tuple[str, bytes]:
    """(key type, key bytes) from "ssh-ed25519 AAAA…", or a line of ssh-keyscan's output."""
    words = text.split()
    for position, word in enumerate(words[:-1]):
        if _KEY_TYPE.match(word):
            try:
                key = base64.b64decode(words[position + 1], validate=True)
            except (binascii.Error, ValueError):
                break
            return word, key
    raise ServiceError(
        "The host key should look like “ssh-ed25519 AAAAC3Nz…”: run "
        "“ssh-keyscan -t ed25519 HOST” on a trusted network and paste its line."
    )


def feed_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors for a feed's settings, saying what to fill in."""
    errors: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    pattern = str(values.get("pattern") or "")
    if not pattern.strip():
        problem("pattern", "Give the file names to pull, e.g. *.csv or StudentList*.csv.")
    elif "/" in pattern or "\\" in pattern:
        problem("pattern", "Give file names only; put the folder in its own field.")
    if values.get("source_kind") == FeedSource.FOLDER:
        folder = str(values.get("folder") or "")
        if not folder:
            problem("folder", "Give the folder the MIS exports are saved to.")
        elif not os.path.isabs(folder):
            problem("folder", "Give the folder's full path, starting with /.")
        elif not os.path.isdir(folder):
            problem("folder", f"{folder} is not a folder Warden can see on this server.")
        elif not os.access(folder, os.R_OK | os.X_OK):
            problem("folder", f"Warden's user may not read {folder}; let it read the folder.")
    elif values.get("source_kind") == FeedSource.SFTP:
        for name, what in (
            ("sftp_host", "the SFTP server's name or address"),
            ("sftp_user", "the user name Warden signs in with"),
            ("sftp_path", "the folder on the server the exports are dropped in"),
        ):
            if not str(values.get(name) or "").strip():
                problem(name, f"Give {what}.")
        port = values.get("sftp_port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            problem("sftp_port", "The port is a number from 1 to 65535 (usually 22).")
        try:
            parse_host_key(str(values.get("sftp_host_key") or ""))
        except ServiceError as exc:
            problem("sftp_host_key", exc.message)
        secrets = [values.get(n) for n in ("sftp_key_file", "sftp_password_env")]
        secrets.append(values.get("sftp_password_file"))
        if not any(secrets):
            problem(
                "sftp_key_file",
                "Give a private key file, or where the password is (an environment variable "
                "or a file).",
            )
        if values.get("sftp_password_env") and values.get("sftp_password_file"):
            problem("sftp_password_file", "Give the password's variable or its file, not both.")
    else:
        problem("source_kind", "Choose a folder on this server or an SFTP drop.")
    return errors


@transaction.atomic
def feed_save(*, actor: User | None, school: School, values: dict[str, Any]) -> MisFeed:
    """Create or change a school's MIS feed, audited; refused with per-field messages."""
    problems = feed_problems(values)
    if problems:
        raise ServiceError("The feed's settings need correcting.", field_errors=problems)
    feed = MisFeed.objects.select_for_update().filter(school=school).first()
    created = feed is None
    if feed is None:
        feed = MisFeed(school=school)
    before = {} if created else snapshot(feed, list(FEED_FIELDS))
    set_fields(feed, {name: values[name] for name in FEED_FIELDS if name in values}, FEED_FIELDS)
    if feed.source_kind == FeedSource.SFTP:
        kind, key = parse_host_key(feed.sftp_host_key)
        feed.sftp_host_key = f"{kind} {base64.b64encode(key).decode('ascii')}"
    feed.save()
    changes = diff(before, snapshot(feed, list(FEED_FIELDS)))
    if changes:
        audit_log(
            actor=actor,
            action="people.feed_created" if created else "people.feed_changed",
            obj=feed,
            changes=changes,
        )
    return feed


# --- reading a drop ------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    name: str
    size: int
    modified: dt.datetime


class Drop(Protocol):
    def listing(self) -> list[Found]: ...

    def read(self, name: str) -> bytes: ...


def _matches(name: str, pattern: str) -> bool:
    # Case does not matter: an MIS writes "StudentList.CSV" as readily as ".csv".
    return fnmatch.fnmatchcase(name.casefold(), pattern.casefold())


def _when(seconds: float | int | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(seconds or 0), tz=dt.UTC)


class FolderDrop:
    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def listing(self) -> list[Found]:
        try:
            entries = list(os.scandir(self.folder))
        except OSError as exc:
            raise ServiceError(f"Cannot read the folder {self.folder}: {exc.strerror}.") from None
        found = []
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                found.append(Found(entry.name, info.st_size, _when(info.st_mtime)))
        return found

    def read(self, name: str) -> bytes:
        try:
            return (self.folder / name).read_bytes()
        except OSError as exc:
            raise ServiceError(f"Cannot read {self.folder / name}: {exc.strerror}.") from None


class SftpDrop:
    def __init__(self, client: paramiko.SFTPClient, path: str) -> None:
        self.client = client
        self.path = path.rstrip("/") or "/"

    def listing(self) -> list[Found]:
        try:
            entries = self.client.listdir_attr(self.path)
        except OSError as exc:
            raise ServiceError(
                f"Cannot list {self.path} on the SFTP server: {exc.strerror or exc}. "
                "Check the folder and that the SFTP user may read it."
            ) from None
        return [
            Found(entry.filename, int(entry.st_size or 0), _when(entry.st_mtime))
            for entry in entries
            if entry.st_mode is not None and stat.S_ISREG(entry.st_mode)
        ]

    def read(self, name: str) -> bytes:
        try:
            with self.client.open(f"{self.path}/{name}", "rb") as handle:
                return bytes(handle.read(MAX_FEED_BYTES + 1))
        except OSError as exc:
            raise ServiceError(f"Cannot read {name} on the SFTP server: {exc}.") from None


def _secret(feed: MisFeed) -> str | None:
    """The SFTP password (or the private key's passphrase), from the environment or a file."""
    return secret_from(
        env=feed.sftp_password_env, file=feed.sftp_password_file, what="the SFTP password"
    )


def _authenticate(transport: paramiko.Transport, feed: MisFeed) -> None:
    secret = _secret(feed)
    where = f"{feed.sftp_user}@{feed.sftp_host}"
    try:
        if feed.sftp_key_file:
            try:
                key = paramiko.PKey.from_path(feed.sftp_key_file, password=secret)
            except OSError as exc:
                raise ServiceError(
                    f"Cannot read the private key file {feed.sftp_key_file}: {exc.strerror}."
                ) from None
            except paramiko.SSHException as exc:
                raise ServiceError(
                    f"The private key file {feed.sftp_key_file} cannot be used: {exc}."
                ) from None
            transport.auth_publickey(feed.sftp_user, key)
        else:
            transport.auth_password(feed.sftp_user, secret or "")
    except paramiko.AuthenticationException:
        how = "key" if feed.sftp_key_file else "password"
        raise ServiceError(
            f"The SFTP server refused the {how} for {where}; check the user name and the "
            f"{how} the server expects."
        ) from None


@contextmanager
def sftp_drop(feed: MisFeed) -> Iterator[SftpDrop]:
    """An SFTP session on the feed's server, after its host key has been checked."""
    expected_type, expected_key = parse_host_key(feed.sftp_host_key)
    where = f"{feed.sftp_host}:{feed.sftp_port}"
    try:
        transport = paramiko.Transport((feed.sftp_host, feed.sftp_port))
    except (OSError, paramiko.SSHException) as exc:
        raise ServiceError(f"Cannot connect to the SFTP server {where}: {exc}.") from None
    try:
        transport.banner_timeout = CONNECT_TIMEOUT
        transport.auth_timeout = CONNECT_TIMEOUT
        try:
            transport.start_client(timeout=CONNECT_TIMEOUT)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise ServiceError(
                f"Cannot connect to the SFTP server {where}: {exc or 'no answer'}."
            ) from None
        offered = transport.get_remote_server_key()
        if offered.get_name() != expected_type or offered.asbytes() != expected_key:
            # Before any password or key leaves Warden: this may be someone else's server.
            raise ServiceError(
                f"The SFTP server {where} offered a host key ({offered.get_name()} "
                f"{offered.fingerprint}) that is not the one recorded for the feed. Nothing "
                "was sent to it. If the server's key was changed on purpose, paste its new "
                "key into the feed's settings."
            )
        _authenticate(transport, feed)
        client = paramiko.SFTPClient.from_transport(transport)
        if client is None:
            raise ServiceError(f"The server {where} did not open an SFTP session.")
        channel = client.get_channel()
        if channel is not None:
            channel.settimeout(CONNECT_TIMEOUT * 4)
        with client:
            yield SftpDrop(client, feed.sftp_path)
    finally:
        transport.close()


@contextmanager
def open_drop(feed: MisFeed) -> Iterator[Drop]:
    if feed.source_kind == FeedSource.SFTP:
        with sftp_drop(feed) as drop:
            yield drop
    else:
        yield FolderDrop(feed.folder)


def newest(files: list[Found], pattern: str) -> Found | None:
    matching = [found for found in files if _matches(found.name, pattern)]
    return max(matching, key=lambda found: (found.modified, found.name), default=None)


# --- pulling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PullResult:
    """What one pull did, in words for the page, the command and the task's log."""

    outcome: str  # "nothing", "already", "applied", "review", "rejected"
    message: str
    file: FeedFile | None = None
    report: ImportReport | None = None


def review_path(school_id: int, sha256: str) -> Path:
    """Where a pulled file waits for review (personal data: Warden's user only)."""
    return Path(settings.MEDIA_ROOT) / "imports" / str(school_id) / "feed" / f"{sha256}.csv"


def _keep_for_review(school_id: int, sha256: str, data: bytes) -> None:
    path = review_path(school_id, sha256)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A newer export supersedes any waiting one: only the newest is offered for review.
    for old in path.parent.glob("*.csv"):
        old.unlink(missing_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def _record(feed: MisFeed, message: str, *, failed: bool) -> None:
    MisFeed.objects.filter(pk=feed.pk).update(
        last_pulled_at=timezone.now(), last_result=message[:500], last_failed=failed
    )
    feed.refresh_from_db(fields=["last_pulled_at", "last_result", "last_failed"])


def feed_pull(*, feed: MisFeed, actor: User | None) -> PullResult:
    """Pull the newest export of a feed and import it (or hold it for review), once.

    Raises ``ServiceError`` when the drop cannot be read (the feed records the reason, for
    its page). A file already pulled, by name and SHA-256, is left alone; a file that cannot
    be imported is remembered all the same, so it is not retried every hour: export it again
    once corrected.
    """
    try:
        with open_drop(feed) as drop:
            found = newest(drop.listing(), feed.pattern)
            data = drop.read(found.name) if found and found.size <= MAX_FEED_BYTES else b""
    except ServiceError as exc:
        _record(feed, exc.message, failed=True)
        raise
    if found is None:
        message = f"No file named {feed.pattern} in {feed.where}."
        _record(feed, message, failed=False)
        return PullResult("nothing", message)
    if found.size > MAX_FEED_BYTES or len(data) > MAX_FEED_BYTES:
        message = f"{found.name} is larger than 10 MB; export only the people Warden needs."
        _record(feed, message, failed=True)
        raise ServiceError(message)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = FeedFile.objects.filter(feed=feed, name=found.name, sha256=sha256).first()
    if earlier is not None:
        message = (
            f"Nothing new: {found.name} was pulled on "
            f"{timezone.localtime(earlier.pulled_at):%d/%m/%Y at %H:%M}."
        )
        _record(feed, message, failed=False)
        return PullResult("already", message, earlier)
    return _import(feed, found, data, sha256, actor)


def _import(
    feed: MisFeed, found: Found, data: bytes, sha256: str, actor: User | None
) -> PullResult:
    pulled = FeedFile.objects.create(
        school=feed.school,
        feed=feed,
        name=found.name[:255],
        sha256=sha256,
        size=len(data),
        modified_at=found.modified,
    )
    try:
        report = people_import(
            actor=actor,
            school=feed.school,
            data=data,
            filename=found.name,
            source=feed.source,
            mapping=None,
            default_type=feed.default_type or None,
            dry_run=not feed.apply_automatically,
            skip_bad_rows=False,
            mark_missing_as_leaving=False,
        )
    except ServiceError as exc:
        message = f"{found.name} was not imported: {exc.message}"
        _record(feed, message, failed=True)
        return PullResult("rejected", message, pulled)
    assert report.run is not None
    pulled.run = report.run
    pulled.save(update_fields=["run"])
    counts = f"{report.created} new, {report.updated} changed, {report.unchanged} unchanged"
    if report.blocked:
        first = f" The first: {report.errors[0]}." if report.errors else ""
        message = (
            f"{found.name} was not imported: {len(report.errors)} errors. Correct them in the "
            f"MIS and export again.{first}"
        )
        outcome = "rejected"
    elif report.outcome == ImportRun.Outcome.APPLIED:
        message, outcome = f"Imported {found.name}: {counts}.", "applied"
    else:
        _keep_for_review(feed.school_id, sha256, data)
        message, outcome = f"{found.name} is waiting for review: {counts}.", "review"
    _record(feed, message, failed=outcome == "rejected")
    return PullResult(outcome, message, pulled, report)


def review_data(pulled: FeedFile) -> bytes | None:
    """A pulled file still waiting for review, if it is still kept and unchanged."""
    try:
        data = review_path(pulled.school_id, pulled.sha256).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == pulled.sha256 else None


def feed_review_done(*, pulled: FeedFile) -> None:
    """Forget a reviewed file's waiting copy: it has been imported from the preview."""
    review_path(pulled.school_id, pulled.sha256).unlink(missing_ok=True)


def feed_for_school(school: School) -> MisFeed | None:
    return MisFeed.objects.select_related("school").filter(school=school).first()


def feeds_pull_all() -> dict[str, str]:
    """Pull every active feed, school by school: what each pull said."""
    said: dict[str, str] = {}
    for feed in MisFeed.objects.select_related("school").filter(is_active=True):
        with audit_acting_school(feed.school):
            try:
                said[feed.school.slug] = feed_pull(feed=feed, actor=None).message
            except ServiceError as exc:
                said[feed.school.slug] = exc.message
    return said
