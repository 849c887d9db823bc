"""The governor's home page: the headline figures of the term so far and links to the
governors' report, this term's and the last, as page and PDF (figures only)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from warden.core.dashboard import HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.incidents import reports
from warden.reporting.report import current_term


def _latest_report_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The term going on (or just ended): the incident log's headline figures so far, and
    links to the whole report for it and the term before."""
    now = timezone.now()
    current = current_term(school, now)
    return [
        Panel(
            f"Report for governors: {current.label}",
            "reporting/_dashboard_latest.html",
            {
                "report": reports.termly_report(school, current, now=now, sections=False),
                "current": current,
                "previous": reports.previous_period(current),
            },
            order=10,
        )
    ]


HOME = [
    HomePanel(
        frozenset({Role.GOVERNOR}), _latest_report_panel, Perm.REPORTS_VIEW, order=10, reuse=True
    ),
]
