from __future__ import annotations

from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm
from warden.safeguarding import selectors


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


PANELS = [(Perm.WELFARE_VIEW, _concerns_panel), (Perm.DASHBOARD_VIEW, _shared_panel)]
