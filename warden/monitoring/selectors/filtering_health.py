"""Is filtering working? Lists' age and source, categories with nothing in them, the
snapshot's age and each Squid helper's last check-in, with what needs doing first.

:func:`filtering_health` is what the health page shows and what a home page may show in
brief (``problems``, ``worst``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from warden.core.models import School
from warden.engine.categories import ILLEGAL_SLUGS
from warden.monitoring.filtering_rules import empty_category_note
from warden.monitoring.heartbeats import Heartbeat, heartbeats
from warden.monitoring.models.filtering import GroupCategoryAction, ListFeed, ListSource
from warden.monitoring.selectors.filtering import SnapshotStatus, category_table, snapshot_status
from warden.monitoring.services.starter_lists import STARTER_HOSTS_NAME, STARTER_UT1_NAME

RED = "red"
AMBER = "amber"

# Lists older than this are out of date: UT1 changes every day.
LISTS_STALE_AFTER = dt.timedelta(days=7)


@dataclass(frozen=True)
class Problem:
    level: str  # RED or AMBER
    text: str


@dataclass(frozen=True)
class ListHealth:
    name: str
    origin: str
    imported_at: dt.datetime
    age: dt.timedelta
    entries: int
    starter: bool
    feed: ListFeed | None


@dataclass(frozen=True)
class EmptyCategory:
    slug: str
    label: str
    note: str
    illegal: bool


@dataclass(frozen=True)
class HelperHealth:
    beat: Heartbeat
    current: bool


@dataclass(frozen=True)
class FilteringHealth:
    lists: list[ListHealth]
    feeds: list[ListFeed]
    lists_age: dt.timedelta | None
    empty: list[EmptyCategory]
    snapshot: SnapshotStatus
    helpers: list[HelperHealth]
    problems: list[Problem] = field(default_factory=list)

    @property
    def worst(self) -> str:
        """RED, AMBER or "" when all is well."""
        levels = {p.level for p in self.problems}
        return RED if RED in levels else AMBER if AMBER in levels else ""


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours"
    return f"{minutes // 1440} days"


def _problems(health: FilteringHealth) -> list[Problem]:
    found = []
    status = health.snapshot
    if status.state is not None and status.state.error:
        found.append(Problem(RED, f"The policy was not published: {status.state.error}"))
    elif not status.exists:
        found.append(Problem(RED, "No policy is published: the helpers block every request."))
    for empty in health.empty:
        if empty.illegal:
            found.append(Problem(RED, f"{empty.label}: {empty.note}."))
    silent = [h for h in health.helpers if h.beat.silent]
    for helper in silent:
        since = _minutes(timezone.now() - helper.beat.seen)
        found.append(
            Problem(
                RED,
                f"The filter helper on {helper.beat.host} (process {helper.beat.pid}) has not "
                f"checked in for {since}: check Squid and the server.",
            )
        )
    if not health.helpers:
        found.append(
            Problem(
                AMBER,
                "No filter helper has checked in: is Squid running “warden filter-helper”?",
            )
        )
    for feed in health.feeds:
        if feed.failing:
            found.append(Problem(AMBER, f"{feed.name} did not update: {feed.last_error}"))
    if any(item.starter for item in health.lists):
        found.append(Problem(AMBER, "Filtering uses the starter lists only: run an update."))
    if health.lists_age is not None and health.lists_age > LISTS_STALE_AFTER:
        found.append(
            Problem(AMBER, f"The newest list is {_minutes(health.lists_age)} old: update it.")
        )
    others = [e.label for e in health.empty if not e.illegal]
    if others:
        found.append(Problem(AMBER, f"Blocked categories with no entries: {', '.join(others)}."))
    return found


def filtering_health(school: School) -> FilteringHealth:
    """Everything the filtering health page shows for ``school``."""
    now = timezone.now()
    feeds = list(ListFeed.objects.filter(school=school, enabled=True).order_by("name"))
    by_name = {feed.name: feed for feed in feeds}
    lists = [
        ListHealth(
            name=source.name,
            origin=source.origin,
            imported_at=source.imported_at,
            age=now - source.imported_at,
            entries=source.entry_count,
            starter=source.name in (STARTER_UT1_NAME, STARTER_HOSTS_NAME),
            feed=by_name.get(source.name),
        )
        for source in ListSource.objects.filter(school=school, is_active=True).order_by("name")
    ]
    blocked = set(
        GroupCategoryAction.objects.filter(group__school=school)
        .filter(Q(action="block") | Q(action="alert"))
        .values_list("category", flat=True)
    )
    empty = [
        EmptyCategory(
            slug=row.category.slug,
            label=row.category.label,
            note=empty_category_note(row.category.slug),
            illegal=row.category.slug in ILLEGAL_SLUGS,
        )
        for row in category_table(school)
        if not row.entries and (row.category.slug in ILLEGAL_SLUGS or row.category.slug in blocked)
    ]
    status = snapshot_status(school)
    current = status.state.header_sha256 if status.state is not None else ""
    helpers = [
        HelperHealth(beat=beat, current=bool(current) and beat.snapshot_sha256 == current)
        for beat in heartbeats(school.slug)
    ]
    health = FilteringHealth(
        lists=lists,
        feeds=feeds,
        lists_age=min((item.age for item in lists), default=None),
        empty=empty,
        snapshot=status,
        helpers=helpers,
    )
    health.problems.extend(_problems(health))
    return health
