"""“Check a site”: what the filter does with an address for each group, and why.

The decision is the engine's own (:class:`warden.engine.policy.Policy` on the school's
published snapshot, the file the helpers read), so the page and the helpers never
disagree. What the engine says in a sentence is then traced to the rule a person can act
on: the list and category, the school's own entry, the exception and its expiry, the time
rule, safe search, or the "No internet" group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import School
from warden.engine.categories import ILLEGAL_SLUGS
from warden.engine.lists import normalise_domain_entry, split_url
from warden.engine.policy import Decision, Policy
from warden.engine.snapshot import PolicySnapshot, SnapshotError, read_snapshot
from warden.monitoring import conf
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models.filtering import (
    EntryAction,
    FilterEntry,
    FilterException,
    FilterGroup,
    GroupSchedule,
    ListSource,
)

NO_INTERNET_SLUG = "no-internet"  # services.filtering.NO_INTERNET_SLUG: selectors read only


class _OneGroupPolicy(Policy):
    """The engine's policy, asked for one group at a time instead of the group of a user
    or address: the decision code is the helpers' own, only the "who is asking" differs."""

    chosen = ""

    def group_for(self, user: str = "", client_ip: str = "") -> object:  # type: ignore[override]
        if self.chosen:
            return self.groups[self.chosen]
        return super().group_for(user, client_ip)


# The kinds of rule that decide, as the page names them.
ILLEGAL = "illegal content"
LIST = "a blocked category"
SCHOOL_ENTRY = "school's own entry"
SCHOOL_ALLOW = "school's allow list"
EXCEPTION = "exception"
TIME_RULE = "time rule"
NO_INTERNET = "“No internet” group"
DEFAULT = "group default"
ALERT = "allowed and reported"
NOT_LISTED = "not in a blocked category"


@dataclass(frozen=True)
class Verdict:
    slug: str
    label: str
    group: FilterGroup | None
    action: str
    blocked: bool
    rule: str
    explanation: str
    category: str = ""
    safe_search: bool = False
    expires_at: dt.datetime | None = None
    lists: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SiteCheck:
    url: str
    site: str
    categories: list[str]
    verdicts: list[Verdict]
    published_at: str = ""
    error: str = ""

    @property
    def blocked_anywhere(self) -> bool:
        return any(v.blocked for v in self.verdicts)


def _url(text: str) -> tuple[str, str]:
    """``(url, host)`` for a site typed by a person: scheme added, host checked."""
    raw = (text or "").strip()
    if not raw:
        raise ServiceError("Type a site to check, e.g. www.example.org.")
    url = raw if "://" in raw else f"http://{raw}"
    authority, _ = split_url(url)
    host = normalise_domain_entry(authority.rpartition("@")[2].split(":")[0]) if authority else ""
    if not host:
        raise ServiceError(f"{raw!r} has no site name to check; type e.g. www.example.org.")
    return url, host


def _parents(host: str) -> list[str]:
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] or [host]


def _time_rule(group: FilterGroup | None, category: str, action: str) -> GroupSchedule | None:
    if group is None or not category:
        return None
    now = timezone.localtime()
    day = now.strftime("%a").lower()
    for rule in GroupSchedule.objects.filter(group=group, action=action):
        if category not in (rule.categories or []) or day not in (rule.days or []):
            continue
        spans_midnight = rule.start >= rule.end
        inside = (
            (now.time() >= rule.start or now.time() < rule.end)
            if spans_midnight
            else rule.start <= now.time() < rule.end
        )
        if inside:
            return rule
    return None


def _exception(school: School, group: FilterGroup | None, host: str) -> FilterException | None:
    return (
        FilterException.objects.filter(
            school=school,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            site__in=_parents(host),
        )
        .filter(Q(group=group) | Q(group__isnull=True))
        .select_related("approved_by")
        .order_by("-expires_at")
        .first()
    )


class _Why(NamedTuple):
    rule: str
    explanation: str
    expires_at: dt.datetime | None = None
    lists: list[str] = []


def _explain(
    school: School,
    decision: Decision,
    slug: str,
    label: str,
    group: FilterGroup | None,
    host: str,
    lists_by_category: dict[str, list[str]],
) -> _Why:
    """The rule behind ``decision`` for group ``slug``, in words a person can act on."""
    category = decision.category
    in_lists = lists_by_category.get(category, [])
    if decision.blocked and category in ILLEGAL_SLUGS:
        return _Why(
            rule=ILLEGAL,
            explanation=f"Listed as {category_label(category)}: illegal content is blocked "
            "for everyone, and no exception or allow entry can open it.",
            lists=in_lists,
        )
    if decision.reason.startswith("exception for"):
        if decision.reason.split(": ", 1)[-1].startswith("school allow list"):
            allowed = FilterEntry.objects.filter(
                school=school, action=EntryAction.ALLOW, value__in=_parents(host)
            ).first()
            why = f": {allowed.reason}" if allowed is not None else ""
            return _Why(
                rule=SCHOOL_ALLOW,
                explanation=f"The school allows this site for every group{why}.",
            )
        exception = _exception(school, group, host)
        return _Why(
            rule=EXCEPTION,
            explanation=f"Unblocked by an exception: {decision.reason}.",
            expires_at=exception.expires_at if exception is not None else None,
        )
    if decision.blocked and not category:
        if slug == NO_INTERNET_SLUG:
            return _Why(
                rule=NO_INTERNET,
                explanation="Internet access is withdrawn for this group (an e-safety "
                "sanction): every site is blocked.",
            )
        return _Why(
            rule=DEFAULT,
            explanation=f"The group blocks every site it does not allow, and this one is "
            f"not allowed ({decision.reason}).",
        )
    if decision.blocked or decision.action == "alert":
        action = "block" if decision.blocked else "alert"
        verb = "blocked" if decision.blocked else "reported"
        rule = _time_rule(group, category, action)
        if rule is not None:
            return _Why(
                rule=TIME_RULE,
                explanation=f"{category_label(category)} is {verb} for {label} by a time "
                f"rule{f' ({rule.label})' if rule.label else ''}, "
                f"{rule.start:%H:%M}–{rule.end:%H:%M}.",
                lists=in_lists,
            )
        entry = FilterEntry.objects.filter(
            school=school, action=EntryAction.BLOCK, value__in=_parents(host)
        ).first()
        if entry is not None and entry.category == category:
            return _Why(
                rule=SCHOOL_ENTRY,
                explanation=f"The school blocks {entry.value} itself under "
                f"{category_label(category)}: {entry.reason}",
            )
        where = ", ".join(f"“{name}”" for name in in_lists) or "the school's lists"
        does = "blocks" if decision.blocked else "allows but reports"
        named = category_label(category)
        return _Why(
            rule=LIST if decision.blocked else ALERT,
            explanation=f"{label} {does} {named}, and the site is listed under {named} in {where}.",
            lists=in_lists,
        )
    text = "Not in any category this group blocks."
    if decision.rewrite_url or decision.notes:
        text += " Safe search is enforced on it."
    return _Why(rule=NOT_LISTED, explanation=text)


def _lists_by_category(school: School) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, counts in ListSource.objects.filter(school=school, is_active=True).values_list(
        "name", "category_counts"
    ):
        for slug in counts or {}:
            found.setdefault(slug, []).append(name)
    return found


def published_snapshot(school: School) -> PolicySnapshot | None:
    """The snapshot the helpers read, or None when there is none they could use."""
    try:
        return read_snapshot(conf.snapshot_path(school.slug))
    except SnapshotError:
        return None


def site_check(
    school: School, site: str, *, group: str = "", user: str = "", client_ip: str = ""
) -> SiteCheck:
    """The decision for ``site`` for every group of the school, or only for ``group``, or
    for the group the user name or address falls in. :class:`ServiceError` for a site
    that is not one."""
    url, host = _url(site)
    snapshot = published_snapshot(school)
    if snapshot is None:
        return SiteCheck(
            url,
            host,
            [],
            [],
            error="No policy is published, so the helpers block every site. Publish it on "
            "the “Policy in force” page.",
        )
    policy = _OneGroupPolicy(snapshot)
    if group and group not in snapshot.groups:
        known = ", ".join(sorted(snapshot.groups))
        raise ServiceError(f"There is no filter group {group!r} in force (groups: {known}).")
    if group:
        slugs = [group]
    elif user or client_ip:
        slugs = [policy.group_slug(user, client_ip)]
    else:
        slugs = list(snapshot.groups)
    groups = {g.slug: g for g in FilterGroup.objects.filter(school=school, slug__in=slugs)}
    lists = _lists_by_category(school)
    verdicts = []
    categories: list[str] = []
    for slug in slugs:
        policy.chosen = slug
        decision = policy.decide(url)
        categories = [category_label(c) for c in decision.categories]
        label = snapshot.groups[slug].label
        why = _explain(school, decision, slug, label, groups.get(slug), host, lists)
        verdicts.append(
            Verdict(
                slug=slug,
                label=label,
                group=groups.get(slug),
                action=str(decision.action),
                blocked=decision.blocked,
                rule=why.rule,
                explanation=why.explanation,
                category=category_label(decision.category) if decision.category else "",
                safe_search=bool(decision.rewrite_url or decision.notes),
                expires_at=why.expires_at,
                lists=list(why.lists),
            )
        )
    return SiteCheck(url, host, categories, verdicts, published_at=snapshot.generated_at)
