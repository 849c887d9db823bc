"""What the incident log puts on home pages: the DSL's triage queue and open incidents, the
governors' latest report (figures only), a reporter's own reports, the headteacher's figures
and the trust's roll-up columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from warden.core.access import has_perm
from warden.core.dashboard import (
    Cell,
    Figure,
    HomePanel,
    Panel,
    RollupColumn,
    counts_by_school,
    list_panel,
)
from warden.core.models import School
from warden.core.nav import EVERY_ROLE
from warden.core.roles import Perm, Role
from warden.incidents import selectors
from warden.incidents.models import Incident

SAFEGUARDING = frozenset({Role.DSL, Role.DEPUTY_DSL})
# The open alerts the DSL's home lists by name, most severe and oldest first.
TOP_ALERTS = 5
OWN_REPORTS = 5
TRIAGE_OVERDUE_QUERY = "?state=unviewed&overdue=on"
OPEN_INCIDENTS_QUERY = "?status=not_closed"


def _open_queue(request: HttpRequest, school: School) -> QuerySet[Any]:
    """The triage queue's open violations; the viewer's own are the headteacher's to see."""
    return selectors.triage_queue(school, selectors.TriageFilter(), viewer_id=request.user.pk)


def _triage_panel(request: HttpRequest, school: School) -> list[Panel]:
    queue = _open_queue(request, school)
    counts = dict(
        queue.order_by().values("severity").annotate(n=Count("pk")).values_list("severity", "n")
    )
    return [
        Panel(
            "Monitoring triage",
            "incidents/_dashboard_triage.html",
            {
                "open": sum(counts.values()),
                "by_severity": [(s, counts.get(s, 0)) for s in range(5, 0, -1)],
                "overdue": selectors.triage_overdue(school).count(),
                "top": list(queue[:TOP_ALERTS]),
                "overdue_query": TRIAGE_OVERDUE_QUERY,
            },
            order=10,
        )
    ]


def _incidents_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "E-safety incidents",
            "incidents/_dashboard_incidents.html",
            {"summary": selectors.incident_summary(school)},
            order=20,
        )
    ]


def _own_reports_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The incidents this user reported: reference, kind and whether still open, as on "My
    reports" (the people in them stay confidential)."""
    return list_panel(
        "Incidents you reported",
        "incidents/_dashboard_own_reports.html",
        Incident.objects.filter(school=school, reported_by_id=request.user.pk).order_by(
            "-reported_at", "-pk"
        ),
        limit=OWN_REPORTS,
        order=30,
        hide_empty=True,
    )


HOME = [
    HomePanel(SAFEGUARDING, _triage_panel, Perm.VIOLATIONS_VIEW, order=10),
    HomePanel(SAFEGUARDING | {Role.SIRO}, _incidents_panel, Perm.INCIDENTS_VIEW, order=30),
    HomePanel(
        frozenset({Role.TEACHER, Role.OFFICE, Role.TECHNICIAN, Role.GOVERNOR}),
        _own_reports_panel,
        Perm.INCIDENTS_REPORT,
        order=40,
    ),
]


# --- the headteacher's overview --------------------------------------------------------------
def _triage_figures(request: HttpRequest, school: School) -> list[Figure]:
    queue = reverse("incidents:triage")
    found = [
        Figure(
            "Monitoring triage", _open_queue(request, school).count(), "to triage", queue, order=10
        )
    ]
    overdue = selectors.triage_overdue(school).count()
    if overdue:
        found.append(
            Figure(
                "Monitoring triage",
                overdue,
                "unviewed for more than a school day",
                queue + TRIAGE_OVERDUE_QUERY,
                overdue=True,
                order=10,
            )
        )
    return found


def _incident_figures(request: HttpRequest, school: School) -> list[Figure]:
    summary = selectors.incident_summary(school)
    log = reverse("incidents:list")
    found = [
        Figure(
            "E-safety incidents", summary.open_total, "open", log + OPEN_INCIDENTS_QUERY, order=20
        )
    ]
    if summary.unassessed:
        found.append(
            Figure(
                "E-safety incidents",
                summary.unassessed,
                "not yet assessed for severity",
                log + "?severity=unassessed&status=not_closed",
                overdue=True,
                order=20,
            )
        )
    return found


FIGURES = [(Perm.VIOLATIONS_VIEW, _triage_figures), (Perm.INCIDENTS_VIEW, _incident_figures)]


# --- the trust administrator's roll-up ---------------------------------------------------------
def _triage_overdue_cells(schools: Sequence[School]) -> dict[int, Cell]:
    counts = counts_by_school(selectors.triage_overdue(s) for s in schools)
    return {s.pk: Cell(str(counts.get(s.pk, 0)), bool(counts.get(s.pk))) for s in schools}


def _open_incident_cells(schools: Sequence[School]) -> dict[int, Cell]:
    counts = counts_by_school(selectors.open_incidents(s) for s in schools)
    return {s.pk: Cell(str(counts.get(s.pk, 0))) for s in schools}


ROLLUP = [
    RollupColumn(
        "Triage overdue",
        Perm.VIOLATIONS_VIEW,
        _triage_overdue_cells,
        "incidents:triage",
        TRIAGE_OVERDUE_QUERY,
        order=30,
    ),
    RollupColumn(
        "Incidents open",
        Perm.INCIDENTS_VIEW,
        _open_incident_cells,
        "incidents:list",
        OPEN_INCIDENTS_QUERY,
        order=40,
    ),
]


# --- staff monitoring authorisations (duty "Staff monitored only with authorisation") ---
def _authorisations_panel(request: HttpRequest, school: School) -> list[Panel]:
    """Requests waiting for a headteacher or governor, and the investigator's own
    authorisations; nothing for anyone else. Whom one concerns is shown only to a role that
    may look people up: a governor's home page names no one."""
    from warden.incidents.access_authorisations import may_approve
    from warden.incidents.models import AuthorisationStatus, MonitoringAuthorisation

    found = MonitoringAuthorisation.objects.filter(school=school).select_related("subject")
    waiting = (
        list(
            found.filter(status=AuthorisationStatus.PENDING)
            .exclude(requested_by_id=request.user.pk)
            .order_by("requested_at")[:10]
        )
        if may_approve(request.user, school)
        else []
    )
    mine = list(
        found.filter(investigator_id=request.user.pk, status=AuthorisationStatus.APPROVED)[:10]
    )
    if not waiting and not mine:
        return []
    return [
        Panel(
            "Staff monitoring authorisations",
            "incidents/authorisations/_dashboard.html",
            {
                "waiting": waiting,
                "mine": mine,
                "names": has_perm(request.user, Perm.PEOPLE_VIEW, school),
            },
            order=25,
        )
    ]


HOME += [HomePanel(EVERY_ROLE, _authorisations_panel, order=25)]
# --- end of staff monitoring authorisations ---
