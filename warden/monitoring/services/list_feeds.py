"""Lists that update themselves: download each configured feed, check it, import it.

``warden filter-lists update`` and the daily job call :func:`list_feeds_update`. Each feed
is downloaded once however many schools use it (over HTTPS; plain HTTP only from this
machine, for the tests), bounded in size and time, checked against its publisher's
checksum, unpacked (UT1/squidGuard tarballs) and imported through
:func:`~warden.monitoring.services.filtering.list_import` as the school's list of the same
name, which publishes the school's snapshot. Anything wrong (a bad checksum, a damaged or
truncated download, a category that shrank to a fraction of what it held) leaves the list
in force as it was, and the failure is kept on the feed for the lists page to show.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import logging
import re
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_acting_school, audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.monitoring import conf
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models.filtering import ListFeed, ListFormat, ListSource
from warden.monitoring.services.filtering import list_import, list_remove
from warden.monitoring.services.starter_lists import STARTER_HOSTS_NAME, STARTER_UT1_NAME

__all__ = [
    "DEFAULT_UT1_CHECKSUMS",
    "DEFAULT_UT1_NAME",
    "DEFAULT_UT1_URL",
    "FeedResult",
    "list_feed_create",
    "list_feed_default_create",
    "list_feed_update",
    "list_feeds_update",
    "url_refusal",
]

logger = logging.getLogger(__name__)

# Université Toulouse Capitole publishes the whole UT1 collection as one tarball and the
# MD5 of each of its files in MD5SUM.LST beside it (dsi.ut-capitole.fr/blacklists).
DEFAULT_UT1_NAME = "UT1 blacklists (Université Toulouse Capitole)"
DEFAULT_UT1_URL = "https://dsi.ut-capitole.fr/blacklists/download/blacklists.tar.gz"
DEFAULT_UT1_CHECKSUMS = "https://dsi.ut-capitole.fr/blacklists/download/MD5SUM.LST"

# A category that held at least this many entries and now holds less than 1/SHRINK_FACTOR
# of them is a broken download or a broken list, not a list that got better.
SHRINK_MINIMUM = 20
SHRINK_FACTOR = 10
CHECKSUM_FILE_LIMIT = 1 << 20
_LIST_FILES = {"domains", "urls", "domains.gz", "urls.gz"}
_HEX = re.compile(r"\b([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})\b")
_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256"}


# --- addresses -----------------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_refusal(url: str, what: str = "The list's address") -> str | None:
    """Why Warden will not download from ``url``, or None.

    Lists are fetched over HTTPS, so nobody on the way can swap them; plain HTTP is
    accepted only from this machine (a test server). Folders on the server are not lists
    to download: the lists page never reads a path a person types.
    """
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and _loopback(host):
        return None
    if parts.scheme == "http":
        return f"{what} must start with https:// (a list fetched over plain http can be swapped)."
    return f"{what} must be a web address starting with https://, e.g. {DEFAULT_UT1_URL}."


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect may not lead from HTTPS to plain HTTP (or anywhere else not allowed)."""

    def redirect_request(
        self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> Any:
        refusal = url_refusal(newurl, "The address the list's server redirected to")
        if refusal:
            raise urllib.error.URLError(refusal)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str) -> IO[bytes]:
    refusal = url_refusal(url)
    if refusal:
        raise ServiceError(refusal)
    opener = urllib.request.build_opener(_CheckedRedirects())
    # url_refusal has allowed only https (and http to this machine): no file: or others.
    request = urllib.request.Request(url, headers={"User-Agent": "Warden list update"})  # noqa: S310
    response: IO[bytes] = opener.open(request, timeout=conf.download_timeout())
    return response


# --- downloading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Download:
    path: Path
    size: int
    digests: dict[str, str]


def _fetch(url: str, target: Path, limit: int, deadline: float) -> _Download:
    """Stream ``url`` into ``target``, hashing as it goes; refuse a download over ``limit``
    bytes, past ``deadline`` (a monotonic time) or shorter than the server announced."""
    hashes = {name: hashlib.new(name) for name in _ALGORITHMS.values()}
    size = 0
    try:
        with _open(url) as response, target.open("wb") as out:
            announced = getattr(response, "headers", {}).get("Content-Length")
            if announced and announced.isdigit() and int(announced) > limit:
                raise ServiceError(
                    f"{url} is {int(announced) // 2**20} MB, more than the "
                    f"{limit // 2**20} MB Warden downloads; nothing was changed."
                )
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    raise ServiceError(
                        f"{url} sent more than {limit // 2**20} MB; nothing was changed."
                    )
                if time.monotonic() > deadline:
                    raise ServiceError(
                        f"Downloading {url} took longer than {conf.download_seconds()} seconds; "
                        "nothing was changed. It is tried again at the next update."
                    )
                for digest in hashes.values():
                    digest.update(chunk)
                out.write(chunk)
            if announced and announced.isdigit() and size < int(announced):
                raise http.client.IncompleteRead(b"", int(announced) - size)
    except http.client.IncompleteRead:
        raise ServiceError(
            f"The download of {url} stopped part-way ({size} bytes); nothing was changed. "
            "It is tried again at the next update."
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ServiceError(
            f"{url} could not be downloaded ({reason}); nothing was changed. "
            "It is tried again at the next update."
        ) from None
    return _Download(target, size, {name: d.hexdigest() for name, d in hashes.items()})


def _published_checksum(feed: ListFeed, filename: str, deadline: float) -> str:
    """The hash the publisher gives for ``filename``: the line naming it in the checksum
    file (``HASH  name``, ``HASH *name``, ``MD5 (name) = HASH``), or the file's only hash;
    else the checksum typed on the feed."""
    if not feed.checksum_url:
        return feed.expected_checksum.strip().lower()
    with tempfile.TemporaryDirectory(dir=_downloads_dir()) as folder:
        got = _fetch(feed.checksum_url, Path(folder) / "sums", CHECKSUM_FILE_LIMIT, deadline)
        text = got.path.read_text(encoding="utf-8", errors="replace")
    found: list[str] = []
    for line in text.splitlines():
        match = _HEX.search(line)
        if match is None:
            continue
        found.append(match.group(1))
        rest = (line[: match.start()] + line[match.end() :]).replace("*", " ")
        names = {PurePosixPath(word.strip("()=")).name for word in rest.split()}
        if filename in names:
            return match.group(1).lower()
    if len(found) == 1:
        return found[0].lower()
    raise ServiceError(
        f"The checksum file {feed.checksum_url} has no line for {filename}; nothing was "
        "changed. Check the checksum address on the list's settings."
    )


def _verify(feed: ListFeed, download: _Download, deadline: float) -> None:
    filename = PurePosixPath(urlsplit(feed.url).path).name
    expected = _published_checksum(feed, filename, deadline)
    if not expected:
        return
    algorithm = _ALGORITHMS.get(len(expected))
    if algorithm is None or download.digests[algorithm] != expected:
        raise ServiceError(
            f"The download of {feed.url} does not match its published checksum "
            f"({algorithm or 'unknown'} {expected[:16]}…); it may be damaged or not the "
            "publisher's file. Nothing was changed."
        )


# --- unpacking -----------------------------------------------------------------------------


def _unpack_ut1(archive: Path, folder: Path) -> Path:
    """Extract the category lists of a UT1/squidGuard tarball into ``folder``; returns the
    folder holding the category folders. Only ``domains`` and ``urls`` files are taken,
    as plain files inside ``folder`` (tarfile's "data" filter), within the unpacked limit."""
    limit = conf.unpacked_limit()
    total = 0
    wanted = []
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if not member.isfile() or PurePosixPath(member.name).name not in _LIST_FILES:
                    continue
                total += member.size
                if total > limit:
                    raise ServiceError(
                        f"The list unpacks to more than {limit // 2**20} MB; nothing was changed."
                    )
                wanted.append(member)
            tar.extractall(folder, members=wanted, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ServiceError(
            f"The downloaded file is not a complete tarball ({exc}); it may have been cut "
            "short. Nothing was changed."
        ) from None
    if not wanted:
        raise ServiceError(
            "The downloaded tarball holds no category folders with 'domains' or 'urls' "
            "files; is it a UT1 or squidGuard list? Nothing was changed."
        )
    # UT1 packs its categories in one top folder (blacklists/adult/domains ...).
    roots = {PurePosixPath(m.name).parts[0] for m in wanted if len(PurePosixPath(m.name).parts) > 2}
    if len(roots) == 1 and all(len(PurePosixPath(m.name).parts) > 2 for m in wanted):
        return folder / roots.pop()
    return folder


def _shrink_check(feed: ListFeed, before: Mapping[str, int]) -> Any:
    def check(counts: Mapping[str, int]) -> None:
        shrunk = [
            slug
            for slug, old in before.items()
            if old >= SHRINK_MINIMUM and counts.get(slug, 0) * SHRINK_FACTOR < old
        ]
        if shrunk:
            words = ", ".join(
                f"{category_label(slug)} ({before[slug]} → {counts.get(slug, 0)})"
                for slug in sorted(shrunk)
            )
            raise ServiceError(
                f"The new {feed.name} has far fewer entries than the list in force in {words}; "
                "a damaged download or a broken list is more likely than a better one. The "
                "list in force was kept; import the list by hand if the change is real."
            )

    return check


# --- updating ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedResult:
    feed: ListFeed
    ok: bool
    changed: bool
    message: str


def _downloads_dir() -> Path:
    folder = conf.filter_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _record(feed: ListFeed, *, error: str = "", **fields: Any) -> None:
    now = timezone.now()
    values: dict[str, Any] = {"last_checked_at": now, **fields}
    if error:
        values.update(last_failure_at=now, last_error=error)
        logger.warning("list %s of %s not updated: %s", feed.name, feed.school_id, error)
    else:
        values.update(last_success_at=now, last_error="")
    ListFeed.objects.filter(pk=feed.pk).update(**values)
    for name, value in values.items():
        setattr(feed, name, value)


def _retire_starter_lists(school: School, replaced_by: str) -> None:
    """The starter lists say "run an update": once the full UT1 lists arrive, they go."""
    starters = ListSource.objects.filter(
        school=school, is_active=True, name__in=[STARTER_UT1_NAME, STARTER_HOSTS_NAME]
    )
    for source in starters:
        list_remove(actor=None, source=source, reason=f"replaced by the full list {replaced_by}")


def _import(feed: ListFeed, download: _Download, unpacked: Path | None) -> FeedResult:
    school = feed.school
    in_force = feed.source if feed.source_id and feed.source and feed.source.is_active else None
    version = download.digests["sha256"]
    if in_force is not None and feed.version == version:
        _record(feed)
        return FeedResult(feed, True, False, f"{feed.name}: unchanged since the last update.")
    before = in_force.category_counts if in_force is not None else feed.category_counts
    with audit_acting_school(school):
        source = list_import(
            actor=None,
            school=school,
            fmt=feed.format,
            path=unpacked if unpacked is not None else download.path,
            name=feed.name,
            category=feed.category,
            origin=feed.url,
            check=_shrink_check(feed, before or {}),
        )
        if feed.format == ListFormat.UT1:
            _retire_starter_lists(school, feed.name)
    _record(
        feed,
        source=source,
        version=version,
        category_counts=source.category_counts,
        entry_count=source.entry_count,
    )
    return FeedResult(feed, True, True, f"{feed.name}: {source.entry_count} entries imported.")


def _download_and_import(feeds: list[ListFeed]) -> list[FeedResult]:
    """Download one address once and import it for each school's feed of it."""
    first = feeds[0]
    deadline = time.monotonic() + conf.download_seconds()
    results = []
    with tempfile.TemporaryDirectory(dir=_downloads_dir()) as folder:
        base = Path(folder)
        name = PurePosixPath(urlsplit(first.url).path).name or "list"
        try:
            download = _fetch(first.url, base / "download", conf.download_limit(), deadline)
            _verify(first, download, deadline)
            unpacked = None
            if first.format == ListFormat.UT1:
                unpacked = _unpack_ut1(download.path, base / "unpacked")
            else:
                # The hosts format reads its category from the file's name when none is set.
                download = _Download(
                    download.path.rename(base / name), download.size, download.digests
                )
        except ServiceError as exc:
            for feed in feeds:
                _record(feed, error=exc.message)
            return [FeedResult(feed, False, False, exc.message) for feed in feeds]
        for feed in feeds:
            try:
                results.append(_import(feed, download, unpacked))
            except ServiceError as exc:
                _record(feed, error=exc.message)
                results.append(FeedResult(feed, False, False, exc.message))
    return results


def list_feed_update(*, feed: ListFeed) -> FeedResult:
    """Update one school's feed now (the lists page's "update now")."""
    return _download_and_import([feed])[0]


def list_feeds_update(*, name: str = "", school: School | None = None) -> list[FeedResult]:
    """Update every enabled feed (or those called ``name``, or one school's), downloading
    each address once. Returns what happened to each feed; failures are also kept on the
    feeds, so one failing list never stops the others."""
    feeds = ListFeed.objects.filter(enabled=True).select_related("school__trust", "source")
    if name:
        feeds = feeds.filter(name=name)
    if school is not None:
        feeds = feeds.filter(school=school)
    batches: dict[tuple[str, ...], list[ListFeed]] = {}
    for feed in feeds.order_by("url", "pk"):
        key = (feed.url, feed.format, feed.checksum_url, feed.expected_checksum.lower())
        batches.setdefault(key, []).append(feed)
    results = []
    for batch in batches.values():
        results.extend(_download_and_import(batch))
    return results


# --- configuring ---------------------------------------------------------------------------


def _checksum_value(text: str) -> str:
    value = (text or "").strip().lower()
    if value and (len(value) not in _ALGORITHMS or not _HEX.fullmatch(value)):
        message = (
            "A checksum is 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hexadecimal characters, as "
            "the list's publisher gives it."
        )
        raise ServiceError(message, field_errors={"expected_checksum": [message]})
    return value


def list_feed_create(
    *,
    actor: User | None,
    school: School,
    name: str,
    url: str,
    fmt: str = ListFormat.UT1,
    checksum_url: str = "",
    expected_checksum: str = "",
    category: str = "",
) -> ListFeed:
    """Add a list Warden downloads by itself, by its web address (never a server folder).

    A plain list needs its category; a hosts file needs one unless its name says. A list
    with neither a checksum file nor a checksum is refused: an update must be able to tell
    a damaged download from the publisher's file.
    """
    errors: dict[str, list[str]] = {}
    label = (name or "").strip()
    if not label:
        errors["name"] = ["Give the list a name, e.g. UT1 blacklists."]
    refusal = url_refusal(url)
    if refusal:
        errors["url"] = [refusal]
    if checksum_url:
        refusal = url_refusal(checksum_url, "The checksum file's address")
        if refusal:
            errors["checksum_url"] = [refusal]
    try:
        expected = _checksum_value(expected_checksum)
    except ServiceError as exc:
        errors.update(exc.field_errors or {})
        expected = ""
    if not checksum_url and not expected and "checksum_url" not in errors:
        errors["checksum_url"] = [
            "Give the address of the checksum file the publisher puts beside the list "
            "(e.g. MD5SUM.LST), or the checksum itself."
        ]
    if fmt not in ListFormat.values:
        errors["format"] = ["Choose the kind of list: UT1 tarball, hosts file or plain list."]
    elif fmt == ListFormat.DOMAINS and not category:
        errors["category"] = ["Choose the category of the sites in a plain domain list."]
    if label and ListFeed.objects.filter(school=school, name=label).exists():
        errors["name"] = [f"There is already a list called {label}; choose another name."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The list was not added: {first}", field_errors=errors)
    with transaction.atomic():
        feed = ListFeed.objects.create(
            school=school,
            name=label,
            url=url.strip(),
            format=fmt,
            checksum_url=checksum_url.strip(),
            expected_checksum=expected,
            category=category if fmt != ListFormat.UT1 else "",
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="filtering.feed_added",
            obj=feed,
            changes=diff({}, snapshot(feed, ["name", "url", "format", "checksum_url", "category"])),
        )
    return feed


def list_feed_default_create(*, school: School) -> ListFeed | None:
    """Give ``school`` the UT1 lists as a feed, unless it has a feed of that address."""
    if ListFeed.objects.filter(school=school, url=DEFAULT_UT1_URL).exists():
        return None
    return list_feed_create(
        actor=None,
        school=school,
        name=DEFAULT_UT1_NAME,
        url=DEFAULT_UT1_URL,
        checksum_url=DEFAULT_UT1_CHECKSUMS,
    )
