from __future__ import annotations

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm
from warden.people.selectors import people_summary


def _people_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "People",
            "people/_dashboard_panel.html",
            {"summary": people_summary(school)},
            order=10,
        )
    ]


PANELS = [(Perm.PEOPLE_VIEW, _people_panel)]
