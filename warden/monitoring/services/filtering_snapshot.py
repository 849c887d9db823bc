"""Compiling a school's filtering policy from the database into the snapshot the helpers read.

Two files per school under ``conf.school_dir(slug)``:

* ``lists-<sha>.wli``: every active list source and the school's own entries merged into one
  compiled index, named by its checksum. It is rewritten only when a list or an entry
  changes, so a group change does not rewrite 800,000 domains.
* ``policy.wps``: the ``WARDEN-POLICY 1`` header (groups, who is in which group, networks,
  exceptions) naming the lists file by path and SHA-256. Written last, atomically, so a
  helper sees the old policy or the new one, never a mixture.

Each list source is compiled once, at import, into ``sources/<sha>-<format>.wli``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import School
from warden.engine.categories import ILLEGAL_SLUGS, PRIORITY
from warden.engine.lists import (
    CategoryIndex,
    ListBuilder,
    UrlTable,
    normalise_domain_entry,
    write_atomic,
)
from warden.engine.snapshot import SnapshotError, parse_header, snapshot_bytes
from warden.monitoring import conf
from warden.monitoring.models.filtering import (
    EntryAction,
    FilterEntry,
    FilterException,
    FilterGroup,
    FilterGroupAssignment,
    FilterSnapshot,
    GroupNetwork,
    ListSource,
)

logger = logging.getLogger(__name__)

# An allow entry is an exception for every group that never lapses on its own.
STANDING_EXPIRY = "9999-12-31T23:59:59Z"
KEEP_LIST_FILES = 2


@dataclass(frozen=True)
class PublishResult:
    path: Path
    lists_rewritten: bool
    counts: dict[str, int]


# --- the lists file ------------------------------------------------------------------------

_index_cache: dict[str, tuple[str, CategoryIndex]] = {}
_cache_lock = threading.Lock()


def _load_index(path: Path, sha256: str) -> CategoryIndex:
    """A compiled index, kept in memory while its file is unchanged (checking exceptions
    against the lists must not reload 800,000 domains each time)."""
    key = str(path.resolve())
    with _cache_lock:
        cached = _index_cache.get(key)
        if cached is not None and cached[0] == sha256:
            return cached[1]
    index = CategoryIndex.from_bytes(path.read_bytes())
    with _cache_lock:
        _index_cache[key] = (sha256, index)
    return index


def merge_indexes(indexes: list[CategoryIndex]) -> CategoryIndex:
    """One index holding every entry of ``indexes`` (masks OR-ed where entries meet).

    Reads the indexes' tables directly: the engine builds indexes from text, and re-reading
    hundreds of thousands of entries as text for each merge would cost seconds.
    """
    slugs = sorted(
        {slug for index in indexes for slug in index.categories},
        key=lambda s: (PRIORITY.get(s, len(PRIORITY)), s),
    )
    position = {slug: bit for bit, slug in enumerate(slugs)}
    domains: dict[str, int] = {}
    urls: dict[str, dict[str, int]] = {}
    networks: dict[Any, int] = {}
    for index in indexes:
        bits = [1 << position[slug] for slug in index.categories]
        remap: dict[int, int] = {}

        def convert(mask: int, bits: list[int] = bits, remap: dict[int, int] = remap) -> int:
            new = remap.get(mask)
            if new is None:
                new = 0
                for i, bit in enumerate(bits):
                    if mask >> i & 1:
                        new |= bit
                remap[mask] = new
            return new

        for name, mask in index._domains.items():
            domains[name] = domains.get(name, 0) | convert(mask)
        for host, table in index._urls.items():
            row = urls.setdefault(host, {})
            for path, mask in zip(table.paths, table.masks, strict=True):
                row[path] = row.get(path, 0) | convert(mask)
        for network, mask in index._networks:
            networks[network] = networks.get(network, 0) | convert(mask)
    tables = {
        host: UrlTable(sorted(row), [row[p] for p in sorted(row)]) for host, row in urls.items()
    }
    return CategoryIndex(slugs, domains, tables, list(networks.items()))


def entries_index(entries: list[FilterEntry]) -> CategoryIndex:
    builder = ListBuilder()
    for entry in entries:
        if entry.kind == "url":
            builder.add_url(entry.value, entry.category)
        else:
            builder.add_domain(entry.value, entry.category)
    return builder.build()


def _fingerprint(sources: list[ListSource], entries: list[FilterEntry]) -> str:
    parts = {
        "sources": [[s.pk, s.sha256, s.compiled_path] for s in sources],
        "entries": [[e.value, e.kind, e.category] for e in entries],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _write_lists(school_dir: Path, index: CategoryIndex) -> tuple[str, str]:
    data = index.to_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = f"lists-{sha[:16]}.wli"
    target = school_dir / name
    if not target.exists():
        write_atomic(target, data)
    # Keep the newest files: a helper that read the previous header a moment ago may still
    # be opening the previous lists file.
    old = sorted(school_dir.glob("lists-*.wli"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in [p for p in old if p.name != name][KEEP_LIST_FILES - 1 :]:
        stale.unlink(missing_ok=True)
    return name, sha


def current_index(school: School) -> CategoryIndex:
    """The lists in force for ``school``: the last published lists file, or, before any
    publication, the school's sources and entries merged now."""
    state = FilterSnapshot.objects.filter(school=school).first()
    directory = conf.school_dir(school.slug)
    if state is not None and state.lists_file:
        path = directory / state.lists_file
        if path.exists():
            return _load_index(path, state.lists_sha256)
    return _build_index(school)[0]


def _build_index(school: School) -> tuple[CategoryIndex, str]:
    sources = list(ListSource.objects.filter(school=school, is_active=True).order_by("pk"))
    entries = list(
        FilterEntry.objects.filter(school=school)
        .order_by("value")
        .only("value", "kind", "category")
    )
    directory = conf.school_dir(school.slug)
    indexes = []
    for source in sources:
        path = directory / source.compiled_path
        try:
            # Not cached: only the merged index is kept in memory.
            indexes.append(CategoryIndex.load(path))
        except OSError as exc:
            raise ServiceError(
                f"The compiled file of list {source.name!r} ({path}) cannot be read: "
                f"{exc.strerror or exc}. Import the list again."
            ) from exc
    indexes.append(entries_index(entries))
    return merge_indexes(indexes), _fingerprint(sources, entries)


def site_categories(index: CategoryIndex, site: str) -> set[str]:
    """The categories a site (a domain, ``host/path`` or URL) is listed under."""
    text = site.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    if "/" in text.rstrip("/"):
        return set(index.categories_for_url(text))
    host = normalise_domain_entry(text.rstrip("/"))
    return set(index.categories_for_host(host)) if host else set()


# --- the header ----------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def group_matches(group: FilterGroup, person_type: str, year_group: int | None) -> bool:
    """Membership by rule: the person's type is one of the group's, and, when the group
    names year groups, their year is one of them."""
    if person_type not in (group.person_types or []):
        return False
    years = group.year_groups or []
    return not years or year_group in years


def first_group(
    groups: list[FilterGroup], person_type: str, year_group: int | None
) -> FilterGroup | None:
    """Each person is in the first group, by position, whose rules match them."""
    for group in groups:
        if group_matches(group, person_type, year_group):
            return group
    return None


def _usernames(school: School, groups: list[FilterGroup]) -> dict[str, str]:
    """Usernames on the school's network/directory systems, mapped to their groups."""
    from warden.accounts.models import Account, AccountState, SystemKind

    today = timezone.localdate()
    users: dict[str, str] = {}
    assigned = assigned_groups(school, groups)
    accounts = (
        Account.objects.filter(
            school=school, state=AccountState.ACTIVE, system__kind=SystemKind.DIRECTORY
        )
        .exclude(person__leaving_date__lt=today)
        .values_list("username", "person_id", "person__person_type", "person__year_group")
        .order_by("username")
    )
    for username, person_id, person_type, year_group in accounts:
        group = assigned.get(person_id) or first_group(groups, person_type, year_group)
        if group is not None and username:
            users[username] = group.slug
    return users


def assigned_groups(school: School, groups: list[FilterGroup]) -> dict[int, FilterGroup]:
    """``{person id: group}`` for the assignments in force now, ahead of the rules; a
    person with several is in the one that started last."""
    by_pk = {group.pk: group for group in groups}
    now = timezone.now()
    result: dict[int, FilterGroup] = {}
    in_force = (
        FilterGroupAssignment.objects.filter(
            school=school, removed_at__isnull=True, starts_at__lte=now
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("starts_at", "pk")
        .values_list("person_id", "group_id")
    )
    for person_id, group_id in in_force:
        if group_id in by_pk:
            result[person_id] = by_pk[group_id]  # later rows overwrite earlier ones
    return result


def build_header(school: School, index: CategoryIndex) -> tuple[dict[str, Any], dict[str, int]]:
    """The snapshot header for ``school`` and what it holds."""
    now = timezone.now()
    groups = list(
        FilterGroup.objects.filter(school=school)
        .prefetch_related("actions", "schedules")
        .order_by("position", "pk")
    )
    raw_groups = []
    for group in groups:
        lists: dict[str, list[str]] = {"block": [], "alert": [], "allow": []}
        for action in group.actions.all():
            lists[action.action].append(action.category)
        raw_groups.append(
            {
                "slug": group.slug,
                "label": group.name,
                "default": group.default_action,
                "safe_search": group.safe_search,
                **{key: sorted(value) for key, value in lists.items()},
                "schedules": [
                    {
                        "categories": list(rule.categories),
                        "action": rule.action,
                        "days": list(rule.days),
                        "start": rule.start.strftime("%H:%M"),
                        "end": rule.end.strftime("%H:%M"),
                    }
                    for rule in group.schedules.all()
                ],
            }
        )
    default = next((g for g in groups if g.is_default), groups[-1] if groups else None)
    if default is None:
        # No groups yet: one walled garden with nothing in it, so the helper blocks
        # everything rather than filtering by nothing.
        raw_groups = [
            {
                "slug": "unconfigured",
                "label": "No filter groups set up",
                "default": "block",
                "safe_search": True,
            }
        ]
        default_slug = "unconfigured"
    else:
        default_slug = default.slug
    networks = [
        {"cidr": n.cidr, "group": n.group.slug}
        for n in GroupNetwork.objects.filter(school=school).select_related("group")
    ]
    exceptions: list[dict[str, str]] = []
    dropped = 0
    live = (
        FilterException.objects.filter(school=school, revoked_at__isnull=True, expires_at__gt=now)
        .select_related("group", "approved_by")
        .order_by("pk")
    )
    for exception in live:
        if site_categories(index, exception.site) & ILLEGAL_SLUGS:
            dropped += 1  # a list now names it as illegal: it can never open
            continue
        exceptions.append(
            {
                "site": exception.site,
                "group": exception.group.slug if exception.group else "*",
                "reason": exception.reason,
                "approved_by": exception.approved_by.get_username(),
                "expires": _iso(exception.expires_at),
            }
        )
    allowed = FilterEntry.objects.filter(school=school, action=EntryAction.ALLOW).select_related(
        "created_by"
    )
    for entry in allowed:
        if site_categories(index, entry.value) & ILLEGAL_SLUGS:
            dropped += 1
            continue
        exceptions.append(
            {
                "site": entry.value,
                "group": "*",
                "reason": f"school allow list: {entry.reason}",
                "approved_by": entry.created_by.get_username() if entry.created_by else "system",
                "expires": STANDING_EXPIRY,
            }
        )
    users = _usernames(school, groups) if groups else {}
    block_page = conf.block_page_url(school.slug)
    header = {
        "format": "warden-policy",
        "version": 1,
        "generated_at": _iso(now),
        "school": school.slug,
        "timezone": school.timezone,
        "block_page": block_page,
        "default_group": default_slug,
        "groups": raw_groups,
        "users": users,
        "networks": networks,
        "exceptions": exceptions,
    }
    counts = {
        "groups": len(groups),
        "users": len(users),
        "networks": len(networks),
        "exceptions": len(exceptions),
        "dropped_exceptions": dropped,
        "list_entries": len(index),
    }
    return header, counts


# --- publishing ----------------------------------------------------------------------------


def snapshot_publish(*, school: School, reason: str) -> PublishResult:
    """Compile ``school``'s filtering policy into its snapshot files, atomically.

    The lists file is rebuilt only when the sources or entries changed since the last
    publication. The header is validated against the lists with the engine's own loader
    before anything is written, so Warden never publishes a snapshot the helpers would
    refuse; on failure the old snapshot stays in force, the error is recorded on the
    school's :class:`FilterSnapshot` and a :class:`ServiceError` says what is wrong.
    """
    directory = conf.school_dir(school.slug)
    state, _ = FilterSnapshot.objects.get_or_create(school=school)
    try:
        index, fingerprint = _lists_for(school, state, directory)
        header, counts = build_header(school, index.index)
        parse_header(header, index.index)
        header["lists"] = {"path": index.name, "sha256": index.sha256}
        data = snapshot_bytes(header)
        write_atomic(directory / conf.SNAPSHOT_NAME, data)
    except (SnapshotError, OSError, ServiceError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        FilterSnapshot.objects.filter(pk=state.pk).update(error=message, error_at=timezone.now())
        logger.error("filtering snapshot for %s not published: %s", school.slug, message)
        raise ServiceError(
            f"The filtering policy of {school.name} was not published: {message}. "
            "The previous policy stays in force."
        ) from exc
    with transaction.atomic():
        FilterSnapshot.objects.filter(pk=state.pk).update(
            published_at=timezone.now(),
            reason=reason[:200],
            header_sha256=hashlib.sha256(data).hexdigest(),
            lists_file=index.name,
            lists_sha256=index.sha256,
            lists_fingerprint=fingerprint,
            counts=counts,
            error="",
            error_at=None,
        )
    logger.info("filtering snapshot for %s published (%s)", school.slug, reason)
    return PublishResult(directory / conf.SNAPSHOT_NAME, index.rewritten, counts)


@dataclass(frozen=True)
class _Lists:
    index: CategoryIndex
    name: str
    sha256: str
    rewritten: bool


def _lists_for(school: School, state: FilterSnapshot, directory: Path) -> tuple[_Lists, str]:
    sources = list(ListSource.objects.filter(school=school, is_active=True).order_by("pk"))
    entries = list(FilterEntry.objects.filter(school=school).order_by("value"))
    fingerprint = _fingerprint(sources, entries)
    if state.lists_file and state.lists_fingerprint == fingerprint:
        path = directory / state.lists_file
        if path.exists():
            index = _load_index(path, state.lists_sha256)
            return _Lists(index, state.lists_file, state.lists_sha256, False), fingerprint
    index, fingerprint = _build_index(school)
    name, sha = _write_lists(directory, index)
    _load_index(directory / name, sha)
    with _cache_lock:
        _index_cache[str((directory / name).resolve())] = (sha, index)
    return _Lists(index, name, sha, True), fingerprint


# --- after each change ---------------------------------------------------------------------

_pending = threading.local()


def schedule_publish(school: School | int, reason: str, *, if_configured: bool = False) -> None:
    """Publish the school's snapshot once the current transaction commits.

    Many changes in one transaction (an import, a bulk update) publish once: every call
    registers a callback, and the first to run publishes and clears the school's flag. A
    transaction that rolls back leaves the flag set, and the next change publishes.
    """
    school_id = school if isinstance(school, int) else school.pk
    pending: set[int] = getattr(_pending, "schools", None) or set()
    pending.add(school_id)
    _pending.schools = pending
    transaction.on_commit(lambda: _publish_pending(school_id, reason, if_configured))


def _publish_pending(school_id: int, reason: str, if_configured: bool = False) -> None:
    pending: set[int] = getattr(_pending, "schools", None) or set()
    if school_id not in pending:
        return
    pending.discard(school_id)
    # A change to people or accounts only matters to a school that filters with Warden.
    if if_configured and not FilterSnapshot.objects.filter(school_id=school_id).exists():
        return
    school = School.objects.filter(pk=school_id).select_related("trust").first()
    if school is None:
        return
    try:
        snapshot_publish(school=school, reason=reason)
    except ServiceError:
        # Recorded on the school's snapshot status and in the log; the change itself is
        # saved, and the dashboard shows that the policy in force is the previous one.
        logger.exception("publishing after a change failed")
