"""Reads of web filtering that pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from warden.core.models import AuditEntry, School, User
from warden.engine.categories import CATEGORIES, Category
from warden.monitoring import conf
from warden.monitoring.filtering_rules import empty_category_note
from warden.monitoring.models.filtering import (
    FilterEntry,
    FilterException,
    FilterGroup,
    FilterGroupAssignment,
    FilterSnapshot,
    ListImport,
    ListSource,
    RequestStatus,
    UnblockRequest,
)


def groups_at(school: School) -> QuerySet[FilterGroup]:
    return (
        FilterGroup.objects.filter(school=school)
        .annotate(
            network_count=Count("networks", distinct=True),
            schedule_count=Count("schedules", distinct=True),
            blocked_count=Count("actions", filter=Q(actions__action="block"), distinct=True),
        )
        .order_by("position", "pk")
    )


def lists_at(school: School) -> QuerySet[ListSource]:
    return ListSource.objects.filter(school=school, is_active=True).select_related("imported_by")


def list_imports_at(school: School, limit: int = 5) -> list[ListImport]:
    """The school's latest imports asked for on the lists page, newest first."""
    return list(ListImport.objects.filter(school=school).select_related("requested_by")[:limit])


def entries_at(school: School, q: str = "", action: str = "") -> QuerySet[FilterEntry]:
    entries = FilterEntry.objects.filter(school=school).select_related("created_by")
    if q:
        entries = entries.filter(Q(value__icontains=q) | Q(reason__icontains=q))
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("value")


def exceptions_at(school: School, *, current_only: bool = False) -> QuerySet[FilterException]:
    exceptions = FilterException.objects.filter(school=school).select_related(
        "group", "approved_by", "revoked_by"
    )
    if current_only:
        exceptions = exceptions.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return exceptions.order_by("-approved_at", "-pk")


def requests_at(school: School, *, mine_only_for: Any = None) -> QuerySet[UnblockRequest]:
    """Unblock requests, pending first, then newest first."""
    requests = UnblockRequest.objects.filter(school=school).select_related(
        "group", "requested_by", "decided_by"
    )
    if mine_only_for is not None:
        requests = requests.filter(requested_by=mine_only_for)
    return requests.annotate(
        pending_first=Case(
            When(status=RequestStatus.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("pending_first", "-created_at", "-pk")


def changelog_at(school: School) -> QuerySet[AuditEntry]:
    """The filtering change log: every list, group, policy and exception change."""
    return AuditEntry.objects.filter(school=school, action__startswith="filtering.").order_by(
        "-seq"
    )


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    entries: int
    actions: list[tuple[FilterGroup, str]]

    @property
    def empty_note(self) -> str:
        """Never a silent "–": what a category with no entries needs."""
        return empty_category_note(self.category.slug)


def category_table(school: School) -> list[CategoryRow]:
    """Warden's categories at this school: entries from its lists, and each group's action."""
    totals: dict[str, int] = {}
    for counts in lists_at(school).values_list("category_counts", flat=True):
        for slug, n in (counts or {}).items():
            totals[slug] = totals.get(slug, 0) + int(n)
    for slug in FilterEntry.objects.filter(school=school).values_list("category", flat=True):
        totals[slug] = totals.get(slug, 0) + 1
    groups = list(FilterGroup.objects.filter(school=school).prefetch_related("actions"))
    by_group = {g.pk: {a.category: a.action for a in g.actions.all()} for g in groups}
    rows = []
    for category in CATEGORIES:
        actions = [
            (g, "block" if category.illegal else by_group[g.pk].get(category.slug, ""))
            for g in groups
        ]
        rows.append(CategoryRow(category, totals.get(category.slug, 0), actions))
    return rows


@dataclass(frozen=True)
class SnapshotStatus:
    state: FilterSnapshot | None
    exists: bool
    age: dt.timedelta | None
    path: str

    @property
    def ok(self) -> bool:
        return self.exists and self.state is not None and not self.state.error


def snapshot_status(school: School) -> SnapshotStatus:
    state = FilterSnapshot.objects.filter(school=school).first()
    path = conf.snapshot_path(school.slug)
    age = None
    if state is not None and state.published_at is not None:
        age = timezone.now() - state.published_at
    return SnapshotStatus(state=state, exists=path.exists(), age=age, path=str(path))


@dataclass(frozen=True)
class FilteringSummary:
    pending: list[UnblockRequest]
    pending_count: int
    active_exceptions: int
    status: SnapshotStatus


def filtering_summary(school: School) -> FilteringSummary:
    pending = UnblockRequest.objects.filter(school=school, status=RequestStatus.PENDING)
    return FilteringSummary(
        pending=list(pending.select_related("group").order_by("created_at")[:5]),
        pending_count=pending.count(),
        active_exceptions=exceptions_at(school, current_only=True).count(),
        status=snapshot_status(school),
    )


def assignments_in_force(**lookup: Any) -> QuerySet[FilterGroupAssignment]:
    """Assignments by name not yet removed whose end has not passed (``group=...`` or
    ``person=...``), latest first."""
    now = timezone.now()
    return (
        FilterGroupAssignment.objects.filter(removed_at__isnull=True, **lookup)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("person", "group", "created_by")
        .order_by("-starts_at", "-pk")
    )


def assignments_of(person: Any, limit: int = 10) -> list[FilterGroupAssignment]:
    """A person's assignments by name, latest first, the ended ones too."""
    return list(
        FilterGroupAssignment.objects.filter(person=person)
        .select_related("group", "created_by", "removed_by")
        .order_by("-starts_at", "-pk")[:limit]
    )


def own_filter_group(user: User, school: School) -> FilterGroup | None:
    """The filter group the user's own person record falls in at ``school`` (by the groups'
    rules, in order), or None when they have no person record there."""
    from warden.monitoring.services.filtering_snapshot import first_group
    from warden.people.models import Person

    person = Person.objects.filter(school=school, user=user).first()
    if person is None:
        return None
    groups = list(FilterGroup.objects.filter(school=school).order_by("position", "pk"))
    return first_group(groups, person.person_type, person.year_group)
