"""Evidence for the DfE's filtering and monitoring standards, from live data.

The standard ("Meeting digital and technology standards in schools and colleges: filtering
and monitoring", reviewed at least once a year) asks whether illegal content is blocked
(the IWF and CTIRU lists), what each group is kept from, who may change it, whether
changes are logged, and how reports of over-blocking are handled. Figures only: the page
is read by governors, who see no names.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from warden.core.models import Membership, School
from warden.core.roles import ROLE_PERMISSIONS, Perm, Role
from warden.engine.categories import BY_SLUG, ILLEGAL_SLUGS
from warden.monitoring.filtering_rules import empty_category_note
from warden.monitoring.models.filtering import FilterGroup, RequestStatus, UnblockRequest
from warden.monitoring.selectors.filtering import category_table, changelog_at


@dataclass(frozen=True)
class IllegalList:
    label: str
    entries: int
    note: str


@dataclass(frozen=True)
class GroupBlocks:
    name: str
    who: str
    blocked: list[str]
    default_block: bool
    safe_search: bool


@dataclass(frozen=True)
class RoleCount:
    role: str
    people: int


@dataclass(frozen=True)
class DfeEvidence:
    since: dt.date
    until: dt.date
    illegal: list[IllegalList]
    groups: list[GroupBlocks]
    managers: list[RoleCount]
    changes: int
    requests: int
    approved: int
    refused: int
    pending: int
    median_hours: float | None

    @property
    def illegal_blocked(self) -> bool:
        return all(item.entries for item in self.illegal)


def _managers(school: School) -> list[RoleCount]:
    roles = [r for r in Role.values if Perm.FILTERING_MANAGE in ROLE_PERMISSIONS.get(r, ())]
    members = Membership.objects.filter(
        Q(school=school) | Q(school__isnull=True, trust_id=school.trust_id),
        role__in=roles,
        user__is_active=True,
    )
    counts: dict[str, set[int]] = {}
    for role, user_id in members.values_list("role", "user_id"):
        counts.setdefault(role, set()).add(user_id)
    return [RoleCount(Role(role).label, len(counts[role])) for role in roles if role in counts]


def dfe_evidence(school: School, *, since: dt.date | None = None) -> DfeEvidence:
    """The standard's checks for ``school`` over the year to today (or since ``since``)."""
    today = timezone.localdate()
    since = since or today - dt.timedelta(days=365)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    entries = {row.category.slug: row.entries for row in category_table(school)}
    illegal = [
        IllegalList(BY_SLUG[slug].label, entries.get(slug, 0), empty_category_note(slug))
        for slug in sorted(ILLEGAL_SLUGS)
    ]
    groups = []
    for group in FilterGroup.objects.filter(school=school).prefetch_related("actions"):
        blocked = {a.category for a in group.actions.all() if a.action == "block"}
        blocked |= ILLEGAL_SLUGS
        groups.append(
            GroupBlocks(
                name=group.name,
                who=group.who,
                blocked=[c.label for c in BY_SLUG.values() if c.slug in blocked],
                default_block=group.default_action == "block",
                safe_search=group.safe_search,
            )
        )
    requests = UnblockRequest.objects.filter(school=school, created_at__gte=start)
    decided = list(
        requests.filter(decided_at__isnull=False).values_list("created_at", "decided_at")
    )
    hours = [(done - asked).total_seconds() / 3600 for asked, done in decided if done]
    by_status = dict.fromkeys(RequestStatus.values, 0)
    for status in requests.values_list("status", flat=True):
        by_status[status] += 1
    return DfeEvidence(
        since=since,
        until=today,
        illegal=illegal,
        groups=groups,
        managers=_managers(school),
        changes=changelog_at(school).filter(at__gte=start).count(),
        requests=sum(by_status.values()),
        approved=by_status[RequestStatus.APPROVED],
        refused=by_status[RequestStatus.REFUSED],
        pending=by_status[RequestStatus.PENDING],
        median_hours=round(statistics.median(hours), 1) if hours else None,
    )
