"""What welfare concerns put on home pages: the DSL's open concerns, the concerns the DSL
shared with someone else, and a teacher's way to report a worry."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.dashboard import HomePanel, Panel
from warden.core.models import School
from warden.core.nav import EVERY_ROLE
from warden.core.roles import Perm, Role
from warden.safeguarding import rules, selectors


def _concerns_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Welfare concerns",
            "safeguarding/_dashboard.html",
            {"summary": selectors.concern_summary(school)},
            order=10,
        )
    ]


def _shared_panel(request: HttpRequest, school: School) -> list[Panel]:
    """Concerns the DSL let this user read (they have no navigation item to find them)."""
    if has_perm(request.user, Perm.WELFARE_VIEW, school):
        return []
    shared = list(selectors.shared_with(school, request.user))
    if not shared:
        return []
    return [
        Panel(
            "Welfare concerns shared with you",
            "safeguarding/_dashboard_shared.html",
            {"concerns": shared},
            order=10,
        )
    ]


def _report_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The first thing on a teacher's home page: how to tell the DSL of a worry at once
    (KCSIE: "if staff have any concerns about a child's welfare, they should act on them
    immediately"), and how to report an e-safety incident."""
    return [
        Panel(
            "Report a concern",
            "safeguarding/_dashboard_report.html",
            {"incidents": has_perm(request.user, Perm.INCIDENTS_REPORT, school)},
            order=0,
        )
    ]


HOME = [
    HomePanel(frozenset({Role.DSL, Role.DEPUTY_DSL}), _concerns_panel, Perm.WELFARE_VIEW, order=20),
    HomePanel(EVERY_ROLE, _shared_panel, order=15),
    HomePanel(frozenset({Role.TEACHER}), _report_panel, rules.REPORT_PERM, order=0),
]
