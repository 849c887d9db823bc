"""The annual filtering and monitoring review's checks, answered first from live data.

The DfE's filtering and monitoring standards ask a school to review its provision at least
once a year, with the senior leadership team, the DSL, IT staff and a governor, and to keep
the record. Each check below is pre-filled from what Warden holds (the standards evidence
page and filtering health in monitoring, the triage record in incidents); the reviewers add
their judgement, evidence and actions. Figures only: no one is named here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import School
from warden.incidents.models import Triage, TriageState
from warden.monitoring.selectors.filtering_check import site_check
from warden.monitoring.selectors.filtering_evidence import dfe_evidence
from warden.monitoring.selectors.filtering_health import filtering_health

# (key, title, the question the standard asks)
CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "roles",
        "Roles and responsibilities",
        "Are the SLT lead, the DSL, IT staff and the governor responsible named, and is it "
        "clear who may change filtering?",
    ),
    ("illegal", "Illegal content", "Is content on the IWF and CTIRU lists blocked for everyone?"),
    ("lists", "Block lists", "Are the block lists present and kept up to date?"),
    (
        "groups",
        "What each group is kept from",
        "Is what each filter group blocks right for its age and needs, without over-blocking?",
    ),
    ("changes", "Change control", "Is every change to filtering logged, with who and why?"),
    (
        "triage",
        "Monitoring alerts",
        "Are monitoring alerts seen and acted on promptly (within one school day)?",
    ),
    (
        "requests",
        "Unblock requests",
        "Are staff requests to unblock a site handled, and how quickly?",
    ),
    ("tests", "Testing", "Has filtering been checked to work, with test sites, for each group?"),
)
CHECK_KEYS = tuple(key for key, _title, _question in CHECKS)
DEFAULT_TEST_SITES = ("testfiltering.com",)
ANSWERS = (("met", "Met"), ("partly", "Partly met"), ("not_met", "Not met"))


def _check(
    key: str, facts: list[tuple[str, Any]], lines: list[str], attention: bool
) -> dict[str, Any]:
    title, question = next((t, q) for k, t, q in CHECKS if k == key)
    return {
        "key": key,
        "title": title,
        "question": question,
        "facts": [[label, value] for label, value in facts],
        "lines": lines,
        "attention": attention,
    }


def _triage(school: School, since: dt.datetime, now: dt.datetime) -> dict[str, int]:
    rows = Triage.objects.filter(school=school, found_at__gte=since, found_at__lt=now)
    counts = rows.aggregate(
        received=Count("pk"),
        on_time=Count("pk", filter=Q(viewed_at__isnull=False, viewed_at__lte=F("due_at"))),
        late=Count(
            "pk",
            filter=Q(viewed_at__gt=F("due_at")) | Q(viewed_at__isnull=True, due_at__lt=now),
        ),
        open=Count("pk", filter=Q(state=TriageState.UNVIEWED)),
    )
    return {name: int(value or 0) for name, value in counts.items()}


def _site_lines(school: School, sites: list[str]) -> tuple[list[str], bool]:
    lines: list[str] = []
    attention = not sites
    for site in sites:
        try:
            result = site_check(school, site)
        except ServiceError as exc:
            lines.append(f"{site}: {exc.message}")
            attention = True
            continue
        if result.error:
            lines.append(f"{result.site}: {result.error}")
            attention = True
            continue
        blocked = [v.label for v in result.verdicts if v.blocked]
        allowed = [v.label for v in result.verdicts if not v.blocked]
        lines.append(
            f"{result.site}: blocked for {', '.join(blocked) or 'no group'}"
            + (f"; allowed for {', '.join(allowed)}" if allowed else "")
        )
    if not sites:
        lines.append("No test site was given.")
    return lines, attention


def live_figures(
    school: School, *, test_sites: list[str], now: dt.datetime | None = None
) -> dict[str, Any]:
    """Every check's figures from live data, as stored in a review's snapshot (plain JSON)."""
    now = now or timezone.now()
    evidence = dfe_evidence(school)
    health = filtering_health(school)
    since = now - dt.timedelta(days=365)
    triage = _triage(school, since, now)
    checks = [
        _check(
            "roles",
            [(m.role, m.people) for m in evidence.managers],
            ["Users who may change filtering, by role."],
            not evidence.managers,
        ),
        _check(
            "illegal",
            [(item.label, item.entries) for item in evidence.illegal],
            [item.note for item in evidence.illegal if not item.entries and item.note],
            not evidence.illegal_blocked,
        ),
        _check(
            "lists",
            [
                (item.name, f"{item.entries} entries, {item.age.days} days old")
                for item in health.lists
            ],
            [p.text for p in health.problems],
            not health.lists or bool(health.problems),
        ),
        _check(
            "groups",
            [
                (
                    group.name,
                    f"{len(group.blocked)} categories blocked"
                    + ("; blocks by default" if group.default_block else "")
                    + ("; safe search" if group.safe_search else ""),
                )
                for group in evidence.groups
            ],
            [
                f"{group.name} ({group.who}): {', '.join(group.blocked)}"
                for group in evidence.groups
            ],
            not evidence.groups,
        ),
        _check("changes", [("Changes logged in the year", evidence.changes)], [], False),
        _check(
            "triage",
            [
                ("Alerts in the year", triage["received"]),
                ("Seen within one school day", triage["on_time"]),
                ("Seen late or not yet seen past the day", triage["late"]),
                ("Not yet viewed now", triage["open"]),
            ],
            [],
            triage["late"] > 0,
        ),
        _check(
            "requests",
            [
                ("Requests in the year", evidence.requests),
                ("Approved", evidence.approved),
                ("Refused", evidence.refused),
                ("Waiting", evidence.pending),
                (
                    "Median hours to a decision",
                    "–" if evidence.median_hours is None else evidence.median_hours,
                ),
            ],
            [],
            evidence.pending > 0,
        ),
        _check("tests", [], *_site_lines(school, test_sites)),
    ]
    return {
        "since": evidence.since.isoformat(),
        "until": evidence.until.isoformat(),
        "checks": checks,
    }
