"""What filtering and monitoring put on home pages: the ICT staff's filtering health, the
DSL's violations of the last day, a teacher's own unblock requests, the headteacher's
figures and the trust's roll-up column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.core.dashboard import Cell, Figure, HomePanel, Panel, RollupColumn, list_panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.monitoring import conf
from warden.monitoring.models.filtering import FilterSnapshot
from warden.monitoring.selectors.filtering import filtering_summary, requests_at
from warden.monitoring.selectors.filtering_health import RED, filtering_health
from warden.monitoring.selectors.monitoring import violations_by_severity

OWN_REQUESTS = 5


def _violations_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Violations in the last 24 hours",
            "monitoring/monitoring/_dashboard_panel.html",
            {"by_severity": violations_by_severity(school, hours=24)},
            order=40,
        )
    ]


def _filtering_panel(request: HttpRequest, school: School) -> list[Panel]:
    """Filtering health in brief (the policy published and how old it is, the lists, each
    filter helper's last check-in: what needs doing first) and the unblock requests
    waiting."""
    health = filtering_health(school)
    return [
        Panel(
            "Web filtering",
            "monitoring/filtering/_dashboard_panel.html",
            {
                "summary": filtering_summary(school),
                "health": health,
                "helpers_current": sum(1 for h in health.helpers if not h.beat.silent),
                "lists_newest": max((item.imported_at for item in health.lists), default=None),
            },
            order=30,
        )
    ]


def _own_requests_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The user's own unblock requests, waiting ones first (no one else's)."""
    return list_panel(
        "Your unblock requests",
        "monitoring/filtering/_dashboard_own_requests.html",
        requests_at(school, mine_only_for=request.user),
        limit=OWN_REQUESTS,
        order=10,
        hide_empty=False,
    )


HOME = [
    HomePanel(frozenset({Role.DSL, Role.DEPUTY_DSL}), _violations_panel, Perm.VIOLATIONS_VIEW, 40),
    HomePanel(
        frozenset({Role.ICT_MANAGER, Role.TECHNICIAN}),
        _filtering_panel,
        Perm.FILTERING_VIEW,
        30,
        reuse=True,
    ),
    HomePanel(frozenset({Role.TEACHER}), _own_requests_panel, Perm.FILTERING_REQUEST, 10),
]


# --- the headteacher's overview --------------------------------------------------------------
def _filtering_figures(request: HttpRequest, school: School) -> list[Figure]:
    found = [
        Figure(
            "Web filtering",
            filtering_summary(school).pending_count,
            "unblock requests waiting",
            reverse("monitoring:filter_request_list"),
            order=60,
        )
    ]
    urgent = [p.text for p in filtering_health(school).problems if p.level == RED]
    if urgent:
        found.append(
            Figure(
                "Web filtering",
                len(urgent),
                "filtering problem" + ("s" if len(urgent) != 1 else "") + " to put right",
                reverse("monitoring:filter_health"),
                overdue=True,
                note=" ".join(urgent),
                order=60,
            )
        )
    return found


FIGURES = [(Perm.FILTERING_VIEW, _filtering_figures)]


# --- the trust administrator's roll-up ---------------------------------------------------------
def policy_age_cell(snapshot: FilterSnapshot | None, school: School, now: Any) -> Cell:
    """Days since the school's filtering policy was published, or why there is none."""
    if snapshot is not None and snapshot.error:
        return Cell("Not published", True)
    if snapshot is None or snapshot.published_at is None:
        return Cell("Never published", True)
    if not conf.snapshot_path(school.slug).exists():
        return Cell("File missing", True)
    days = (now - snapshot.published_at).days
    return Cell("today" if days == 0 else f"{days} day{'s' if days != 1 else ''}")


def _policy_age_cells(schools: Sequence[School]) -> dict[int, Cell]:
    snapshots = {s.school_id: s for s in FilterSnapshot.objects.filter(school__in=schools)}
    now = timezone.now()
    return {s.pk: policy_age_cell(snapshots.get(s.pk), s, now) for s in schools}


ROLLUP = [
    RollupColumn(
        "Filter policy age",
        Perm.FILTERING_VIEW,
        _policy_age_cells,
        "monitoring:filter_snapshot",
        order=50,
    )
]
