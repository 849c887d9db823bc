"""The policy snapshot: the one file the filtering helpers read.

The Django app compiles a school's filtering policy from its database into a snapshot; the
Squid helpers load it, and pick up a replaced file within seconds without a restart.

File format (``WARDEN-POLICY 1``)::

    WARDEN-POLICY 1\\n
    <one line of JSON: the policy header>\\n
    <optional payload: a WARDEN-LISTS 1 file, when the lists are embedded>

The JSON header holds everything but the category lists::

    {
      "format": "warden-policy", "version": 1,
      "generated_at": "2025-01-06T08:00:00Z",
      "timezone": "Europe/London",
      "block_page": "https://warden.example.sch.uk/blocked",
      "default_group": "guests",
      "groups": [
        {"slug": "ks2", "label": "Key stage 2", "default": "allow", "safe_search": true,
         "block": ["gambling", "games"], "alert": ["self-harm"], "allow": ["education"],
         "schedules": [{"categories": ["games"], "action": "allow",
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "start": "12:00", "end": "13:00"}]}
      ],
      "users": {"alice.smith": "ks2"},
      "networks": [{"cidr": "10.20.0.0/16", "group": "ks2"}],
      "exceptions": [{"site": "example.com/maths", "group": "ks2", "reason": "lesson",
                      "approved_by": "dsl@school", "expires": "2025-01-06T15:30:00Z"}],
      "lists": {"embedded": true}
    }

``lists`` is either ``{"embedded": true}`` (the payload follows the header) or
``{"path": "lists.wli", "sha256": "..."}`` naming a compiled list file beside the snapshot, so
a school that changes only its groups need not rewrite 800,000 domains.

JSON keeps the header readable and diffable; the lists use the compiled form of
:mod:`warden.engine.listfile`, which a helper maps and probes in place: starting one costs
a checksum of the lists file, not a rebuild of its tables. Nothing is unpickled: a snapshot
is data, never code.

Loading validates everything and refuses the file (:class:`SnapshotError`) on any doubt, in
particular when a group allows or merely alerts on an illegal category, or an exception would
open a site in one. :class:`SnapshotHolder` reloads the file when its inode, size or mtime
changes, checking at most every ``check_interval`` seconds. A file that fails to load leaves
the last good snapshot in force (and the error visible); with no good snapshot at all the
holder has nothing, and :mod:`warden.engine.policy` fails closed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warden.engine.categories import ILLEGAL_SLUGS, resolve_slug
from warden.engine.listfile import map_file, open_lists
from warden.engine.lists import (
    CategoryIndex,
    ListFormatError,
    normalise_domain_entry,
    parse_url_entry,
    write_atomic,
)

logger = logging.getLogger(__name__)

SNAPSHOT_MAGIC = b"WARDEN-POLICY 1\n"
SNAPSHOT_VERSION = 1
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ACTIONS = ("allow", "block", "alert")

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")


class SnapshotError(ValueError):
    """The snapshot file is missing, damaged or breaks a policy rule."""


@dataclass(frozen=True, slots=True)
class TimeRule:
    """During ``start``-``end`` (local time) on ``days``, ``categories`` get ``action``.

    ``end`` before ``start`` spans midnight (the part after midnight belongs to the next day).
    """

    categories: tuple[str, ...]
    action: str
    days: frozenset[int]
    start: int  # minutes after midnight
    end: int


@dataclass(frozen=True, slots=True)
class GroupRules:
    """What one filter group may reach."""

    slug: str
    label: str
    default: str  # "allow" or "block": for sites in no listed category
    block: frozenset[str]
    alert: frozenset[str]
    allow: frozenset[str]
    safe_search: bool
    schedules: tuple[TimeRule, ...]


@dataclass(frozen=True, slots=True)
class SiteException:
    """A temporary unblock of a site for a group, lapsing by itself at ``expires``.

    ``group`` ``"*"`` applies to every group. ``site`` is a domain (with subdomains) or a
    ``host/path`` prefix.
    """

    site: str
    group: str
    reason: str
    approved_by: str
    expires: float  # POSIX seconds
    host: str = ""
    path: str | None = None  # None: whole domain; else URL prefix on that exact host


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    """A loaded, validated snapshot."""

    groups: dict[str, GroupRules]
    default_group: str
    users: dict[str, str]
    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...]
    exceptions: tuple[SiteException, ...]
    block_page: str
    timezone: str
    index: CategoryIndex
    generated_at: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


# --- parsing and validation ------------------------------------------------------------------


def _minutes(text: Any, where: str) -> int:
    if not isinstance(text, str) or not _HHMM.match(text):
        raise SnapshotError(f"{where}: time {text!r} is not HH:MM")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _slug_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SnapshotError(f"{where} must be a list of category slugs")
    return list(value)


def parse_datetime(text: str, tz: ZoneInfo) -> float:
    """POSIX seconds for an ISO 8601 time; a time without an offset is school-local."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise SnapshotError(f"{text!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()


class _Validator:
    def __init__(self, index: CategoryIndex) -> None:
        self.index = index
        self.known = set(index.categories)

    def category(self, name: str, where: str) -> str:
        try:
            return resolve_slug(name)
        except ValueError:
            if name in self.known:
                return name
        raise SnapshotError(f"{where}: unknown category {name!r}")

    def group(self, raw: Any, position: int) -> GroupRules:
        if not isinstance(raw, dict):
            raise SnapshotError(f"groups[{position}] must be an object")
        slug = raw.get("slug")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise SnapshotError(f"groups[{position}]: slug {slug!r} is not a slug")
        where = f"group {slug!r}"
        default = raw.get("default", "allow")
        if default not in ("allow", "block"):
            raise SnapshotError(f"{where}: default must be 'allow' or 'block'")
        lists: dict[str, set[str]] = {}
        for action in ("block", "alert", "allow"):
            names = _slug_list(raw.get(action), f"{where}.{action}")
            lists[action] = {self.category(n, f"{where}.{action}") for n in names}
        for first, second in (("block", "alert"), ("block", "allow"), ("alert", "allow")):
            both = lists[first] & lists[second]
            if both:
                raise SnapshotError(f"{where}: {sorted(both)} both {first}ed and {second}ed")
        for action in ("allow", "alert"):
            illegal = lists[action] & ILLEGAL_SLUGS
            if illegal:
                raise SnapshotError(
                    f"{where} would {action} illegal categories {sorted(illegal)}: "
                    "illegal content can never be allowed"
                )
        schedules = []
        raw_schedules = raw.get("schedules") or []
        if not isinstance(raw_schedules, list):
            raise SnapshotError(f"{where}.schedules must be a list")
        for number, rule in enumerate(raw_schedules):
            schedules.append(self.schedule(rule, f"{where}.schedules[{number}]"))
        label = raw.get("label") or slug
        safe_search = raw.get("safe_search", False)
        if not isinstance(safe_search, bool) or not isinstance(label, str):
            raise SnapshotError(f"{where}: safe_search must be true/false and label text")
        return GroupRules(
            slug=slug,
            label=label,
            default=default,
            block=frozenset(lists["block"]),
            alert=frozenset(lists["alert"]),
            allow=frozenset(lists["allow"]),
            safe_search=safe_search,
            schedules=tuple(schedules),
        )

    def schedule(self, rule: Any, where: str) -> TimeRule:
        if not isinstance(rule, dict):
            raise SnapshotError(f"{where} must be an object")
        action = rule.get("action")
        if action not in ACTIONS:
            raise SnapshotError(f"{where}: action must be one of {ACTIONS}")
        categories = [self.category(n, where) for n in _slug_list(rule.get("categories"), where)]
        if not categories:
            raise SnapshotError(f"{where}: no categories")
        if action != "block":
            illegal = set(categories) & ILLEGAL_SLUGS
            if illegal:
                raise SnapshotError(
                    f"{where} would {action} illegal categories {sorted(illegal)}: "
                    "illegal content can never be allowed"
                )
        days_raw = rule.get("days", list(DAYS))
        if not isinstance(days_raw, list) or not days_raw:
            raise SnapshotError(f"{where}: days must be a non-empty list")
        days = set()
        for day in days_raw:
            key = str(day).lower()[:3]
            if key not in DAYS:
                raise SnapshotError(f"{where}: unknown day {day!r}")
            days.add(DAYS.index(key))
        start = _minutes(rule.get("start"), where)
        end = _minutes(rule.get("end"), where)
        if start == end:
            raise SnapshotError(f"{where}: start and end are the same")
        return TimeRule(tuple(categories), action, frozenset(days), start, end)

    def exception(self, raw: Any, groups: Mapping[str, GroupRules], tz: ZoneInfo) -> SiteException:
        if not isinstance(raw, dict):
            raise SnapshotError("exceptions must be objects")
        site = raw.get("site")
        group = raw.get("group")
        where = f"exception for {site!r}"
        if not isinstance(site, str) or not site.strip():
            raise SnapshotError("an exception has no site")
        if group != "*" and group not in groups:
            raise SnapshotError(f"{where}: unknown group {group!r}")
        for key in ("reason", "approved_by"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise SnapshotError(f"{where}: {key} is required")
        if not isinstance(raw.get("expires"), str):
            raise SnapshotError(f"{where}: expires is required")
        expires = parse_datetime(raw["expires"], tz)
        text = site.strip()
        if "://" in text:
            text = text.split("://", 1)[1]
        if "/" in text.rstrip("/"):
            parsed = parse_url_entry(text)
            if parsed is None:
                raise SnapshotError(f"{where}: not a site")
            host, path = parsed
            illegal = set(self.index.categories_for_url(text)) & ILLEGAL_SLUGS
        else:
            host = normalise_domain_entry(text.rstrip("/"))
            path = None
            if not host:
                raise SnapshotError(f"{where}: not a site")
            illegal = set(self.index.categories_for_host(host)) & ILLEGAL_SLUGS
        if illegal:
            raise SnapshotError(
                f"{where} would open illegal content ({sorted(illegal)}): "
                "illegal content can never be allowed"
            )
        return SiteException(
            site=site.strip(),
            group=str(group),
            reason=raw["reason"].strip(),
            approved_by=raw["approved_by"].strip(),
            expires=expires,
            host=host,
            path=path,
        )


def parse_header(
    header: Mapping[str, Any], index: CategoryIndex, *, meta: dict[str, Any] | None = None
) -> PolicySnapshot:
    """Validate a snapshot header against its lists; :class:`SnapshotError` on any problem."""
    if header.get("format") != "warden-policy" or header.get("version") != SNAPSHOT_VERSION:
        raise SnapshotError("not a version 1 Warden policy snapshot")
    tz_name = header.get("timezone", "Europe/London")
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SnapshotError(f"unknown timezone {tz_name!r}") from exc
    validator = _Validator(index)
    raw_groups = header.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise SnapshotError("a snapshot needs at least one group")
    groups: dict[str, GroupRules] = {}
    for position, raw in enumerate(raw_groups):
        group = validator.group(raw, position)
        if group.slug in groups:
            raise SnapshotError(f"group {group.slug!r} is defined twice")
        groups[group.slug] = group
    default_group = header.get("default_group")
    if default_group not in groups:
        raise SnapshotError(f"default_group {default_group!r} is not a group")
    users_raw = header.get("users") or {}
    if not isinstance(users_raw, dict):
        raise SnapshotError("users must map usernames to groups")
    users: dict[str, str] = {}
    for name, group in users_raw.items():
        if group not in groups:
            raise SnapshotError(f"user {name!r} is in unknown group {group!r}")
        users[normalise_user(str(name))] = group
    networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = []
    for entry in header.get("networks") or []:
        if not isinstance(entry, dict) or entry.get("group") not in groups:
            raise SnapshotError(f"network entry {entry!r} needs a cidr and a known group")
        try:
            network = ipaddress.ip_network(str(entry.get("cidr")), strict=False)
        except ValueError as exc:
            raise SnapshotError(f"network {entry.get('cidr')!r} is not an address range") from exc
        networks.append((network, entry["group"]))
    # Most specific range first, so a classroom /24 inside a school /16 wins.
    networks.sort(key=lambda item: -item[0].prefixlen)
    exceptions = tuple(
        validator.exception(raw, groups, tz) for raw in header.get("exceptions") or []
    )
    block_page = header.get("block_page", "")
    if not isinstance(block_page, str):
        raise SnapshotError("block_page must be a URL")
    return PolicySnapshot(
        groups=groups,
        default_group=str(default_group),
        users=users,
        networks=tuple(networks),
        exceptions=exceptions,
        block_page=block_page,
        timezone=str(tz_name),
        index=index,
        generated_at=str(header.get("generated_at", "")),
        meta=meta or {},
    )


def normalise_user(name: str) -> str:
    """User names compare case-insensitively, with Squid's percent-encoding undone."""
    return unquote(name).strip().lower()


# --- reading and writing files ---------------------------------------------------------------


def read_snapshot(path: str | os.PathLike[str]) -> PolicySnapshot:
    """Load and validate a snapshot file; :class:`SnapshotError` if it is unusable."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {file}: {exc.strerror or exc}") from exc
    return snapshot_from_bytes(data, base_dir=file.parent)


def _open_list_file(path: Path, sha256: str | None) -> CategoryIndex:
    """The lists in ``path``, mapped rather than read (:mod:`warden.engine.listfile`).

    The checksum is computed by reading the file in small pieces through the one open
    descriptor that is then mapped, so the file checked is the file used, and checking it
    does not bring the whole file into the process's memory.
    """
    try:
        with open(path, "rb") as handle:
            if sha256 and hashlib.file_digest(handle, "sha256").hexdigest() != sha256:
                raise SnapshotError(f"list file {path} does not match the snapshot's checksum")
            mapping = map_file(handle.fileno())
    except OSError as exc:
        raise SnapshotError(f"cannot read list file {path}: {exc}") from exc
    except ListFormatError as exc:
        raise SnapshotError(f"list file {path}: {exc}") from exc
    return open_lists(mapping, verified=bool(sha256))


def snapshot_from_bytes(data: bytes, *, base_dir: Path | None = None) -> PolicySnapshot:
    if not data.startswith(SNAPSHOT_MAGIC):
        raise SnapshotError("not a Warden policy snapshot")
    end = data.find(b"\n", len(SNAPSHOT_MAGIC))
    if end < 0:
        raise SnapshotError("snapshot header is truncated")
    try:
        header = json.loads(data[len(SNAPSHOT_MAGIC) : end])
    except ValueError as exc:
        raise SnapshotError(f"snapshot header is not valid JSON: {exc}") from exc
    if not isinstance(header, dict):
        raise SnapshotError("snapshot header must be a JSON object")
    lists = header.get("lists")
    if not isinstance(lists, dict):
        raise SnapshotError("snapshot does not say where its lists are")
    try:
        if lists.get("embedded"):
            index = open_lists(data, end + 1)
        else:
            list_path = lists.get("path")
            if not isinstance(list_path, str):
                raise SnapshotError("snapshot lists need 'embedded' or a 'path'")
            resolved = Path(list_path)
            if not resolved.is_absolute() and base_dir is not None:
                resolved = base_dir / resolved
            if len(data) != end + 1:
                raise SnapshotError("snapshot has a payload but says its lists are elsewhere")
            expected = lists.get("sha256")
            index = _open_list_file(resolved, expected if isinstance(expected, str) else None)
    except ListFormatError as exc:
        raise SnapshotError(str(exc)) from exc
    return parse_header(header, index, meta={"lists": lists})


def snapshot_bytes(header: Mapping[str, Any], index: CategoryIndex | None = None) -> bytes:
    """Serialise a snapshot. With ``index`` the lists are embedded; without, ``header``'s
    ``lists`` must name a list file. The header is validated first, so a writer cannot
    publish a snapshot the helpers would refuse."""
    body = dict(header)
    body.setdefault("format", "warden-policy")
    body.setdefault("version", SNAPSHOT_VERSION)
    body.setdefault("generated_at", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    payload = b""
    if index is not None:
        body["lists"] = {"embedded": True}
        payload = index.to_bytes()
        parse_header(body, index)
    head = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return SNAPSHOT_MAGIC + head.encode("ascii") + b"\n" + payload


def write_snapshot(
    path: str | os.PathLike[str],
    header: Mapping[str, Any],
    index: CategoryIndex | None = None,
    *,
    lists_file: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a snapshot atomically (temporary file + ``os.replace``).

    With ``lists_file`` the index is written there first (also atomically) and the snapshot
    refers to it by a path relative to the snapshot and its SHA-256; otherwise it is embedded.
    """
    target = Path(path)
    if lists_file is not None:
        if index is None:
            raise ValueError("lists_file needs an index to write")
        list_path = Path(lists_file)
        list_data = index.to_bytes()
        parse_header({**header, "format": "warden-policy", "version": SNAPSHOT_VERSION}, index)
        write_atomic(list_path, list_data)
        try:
            reference = str(list_path.resolve().relative_to(target.resolve().parent))
        except ValueError:
            reference = str(list_path.resolve())
        body = dict(header)
        body["lists"] = {"path": reference, "sha256": hashlib.sha256(list_data).hexdigest()}
        write_atomic(target, snapshot_bytes(body))
    else:
        write_atomic(target, snapshot_bytes(header, index))
    return target


# --- live reloading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Signature:
    files: tuple[tuple[int, int, int, int], ...]


def _signature(paths: Iterable[Path]) -> _Signature | None:
    parts = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return None
        parts.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    return _Signature(tuple(parts))


class SnapshotHolder:
    """The current snapshot of one file, reloaded when the file changes.

    :meth:`get` is called on every decision, so it costs one clock read until
    ``check_interval`` seconds have passed since the last look at the file; then one
    ``stat`` (two with a separate list file). A changed file is loaded and validated
    before it takes effect. When the file is missing or does not validate, no policy is in
    force and the engine fails closed (blocks everything) until a valid file appears;
    :attr:`error` says what was wrong. Warden writes snapshots whole (temp file and rename),
    so this only happens when the file is removed or damaged outside Warden, and then
    blocking is safer for a school than filtering by a policy nobody can see any more.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        check_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        loader: Callable[[Path], PolicySnapshot] = read_snapshot,
    ) -> None:
        self.path = Path(path)
        self.check_interval = check_interval
        self.clock = clock
        self._loader = loader
        self._lock = threading.Lock()
        self._snapshot: PolicySnapshot | None = None
        self._signature: _Signature | None = None
        self.next_check = float("-inf")
        self.error: str | None = None
        self.generation = 0
        self.loaded_at: float | None = None

    def get(self) -> PolicySnapshot | None:
        """The snapshot in force, or None when the file is missing or invalid."""
        if self.clock() >= self.next_check:
            self.check()
        return self._snapshot

    def check(self) -> bool:
        """Look at the file now; True when a new snapshot was loaded."""
        with self._lock:
            self.next_check = self.clock() + self.check_interval
            signature = self._current_signature()
            if signature is not None and signature == self._signature:
                return False
            if signature is None and self._signature is None and self.error is not None:
                return False
            self._signature = signature
            try:
                snapshot = self._loader(self.path)
            except SnapshotError as exc:
                self._snapshot = None
                self.error = str(exc)
                logger.error("policy snapshot %s not loaded: %s", self.path, exc)
                return False
            except Exception as exc:  # a bug must fail closed, not crash the helper
                self._snapshot = None
                self.error = f"unexpected error: {exc!r}"
                logger.exception("policy snapshot %s not loaded", self.path)
                return False
            self._snapshot = snapshot
            if signature is not None:
                # The file's signature as read, with the lists file it names: else the next
                # check would see a "change" (the lists file joining the signature) and load
                # everything a second time.
                lists = self._lists_signature()
                self._signature = _Signature(signature.files[:1] + lists.files) if lists else None
            self.error = None
            self.generation += 1
            self.loaded_at = time.time()
            logger.info("policy snapshot %s loaded (generation %d)", self.path, self.generation)
            return True

    def _current_signature(self) -> _Signature | None:
        head = _signature([self.path])
        lists = self._lists_signature()
        if head is None or lists is None:
            return None
        return _Signature(head.files + lists.files)

    def _lists_signature(self) -> _Signature | None:
        """The signature of the lists file the snapshot in force names (empty if none)."""
        paths = []
        snapshot = self._snapshot
        if snapshot is not None:
            list_path = snapshot.meta.get("lists", {}).get("path")
            if isinstance(list_path, str):
                resolved = Path(list_path)
                paths.append(resolved if resolved.is_absolute() else self.path.parent / resolved)
        return _signature(paths)
