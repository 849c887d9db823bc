"""The governor's home page: links to the latest governors' report, as page and PDF."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from warden.core.dashboard import HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.incidents import reports
from warden.reporting.report import current_term


def _latest_report_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The term going on (or just ended) and the one before it, each a link; no figures here,
    so the panel costs one read of the school's term dates."""
    now = timezone.now()
    current = current_term(school, now)
    previous = reports.previous_period(current)
    return [
        Panel(
            "Governors' report",
            "reporting/_dashboard_latest.html",
            {"current": current, "previous": previous},
            order=15,
        )
    ]


HOME = [
    HomePanel(frozenset({Role.GOVERNOR}), _latest_report_panel, Perm.REPORTS_VIEW, order=15),
]
