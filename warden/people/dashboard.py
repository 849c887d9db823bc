"""What the people register puts on home pages: who joins and leaves soon, for the office
that keeps the register."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.dashboard import HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.people.selectors import people_summary


def _people_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "People",
            "people/_dashboard_panel.html",
            {"summary": people_summary(school)},
            order=30,
        )
    ]


HOME = [HomePanel(frozenset({Role.OFFICE}), _people_panel, Perm.PEOPLE_EDIT, order=30, reuse=True)]
