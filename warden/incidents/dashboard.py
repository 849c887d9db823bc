from __future__ import annotations

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm
from warden.incidents import rules, selectors
from warden.incidents.models import OPEN_TRIAGE_STATES


def _incidents_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "E-safety incidents",
            "incidents/_dashboard_incidents.html",
            {"summary": selectors.incident_summary(school)},
            order=20,
        )
    ]


def _triage_panel(request: HttpRequest, school: School) -> list[Panel]:
    waiting = selectors.violations_with_triage(school).filter(
        **{"triage_state__in": sorted(OPEN_TRIAGE_STATES)}
    )
    return [
        Panel(
            "Monitoring triage",
            "incidents/_dashboard_triage.html",
            {
                "open": waiting.count(),
                "urgent": waiting.filter(severity__gte=rules.ALERT_SEVERITY).count(),
                "overdue": selectors.triage_overdue(school).count(),
            },
            order=15,
        )
    ]


PANELS = [(Perm.INCIDENTS_VIEW, _incidents_panel), (Perm.VIOLATIONS_VIEW, _triage_panel)]
