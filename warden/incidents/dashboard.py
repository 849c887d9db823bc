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


# --- staff monitoring authorisations (duty "Staff monitored only with authorisation") ---
def _authorisations_panel(request: HttpRequest, school: School) -> list[Panel]:
    """Requests waiting for a headteacher or governor, and the investigator's own
    authorisations; nothing for anyone else."""
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
            {"waiting": waiting, "mine": mine},
            order=25,
        )
    ]


PANELS += [(Perm.DASHBOARD_VIEW, _authorisations_panel)]
# --- end of staff monitoring authorisations ---
