"""The equipment panel: overdue loans, losses with possible-breach flags, stocktakes due."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm
from warden.equipment.selectors import equipment_summary


def _equipment_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Equipment",
            "equipment/_dashboard_panel.html",
            {"summary": equipment_summary(school)},
            order=30,
        )
    ]


PANELS = [(Perm.EQUIPMENT_VIEW, _equipment_panel)]
