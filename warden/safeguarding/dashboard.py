from __future__ import annotations

from django.http import HttpRequest

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


PANELS = [(Perm.WELFARE_VIEW, _concerns_panel)]
