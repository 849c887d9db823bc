from __future__ import annotations

from django.http import HttpRequest

from warden.agreements.models import Agreement
from warden.agreements.selectors import school_summary
from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm


def _agreements_panel(request: HttpRequest, school: School) -> list[Panel]:
    summary = school_summary(school)
    agreements = {a.title: a.pk for a in Agreement.objects.filter(school=school)}
    rows = [
        {
            "title": title,
            "pk": agreements.get(title),
            "current": counts["current"],
            "due": counts["due"],
            "countersign": counts["countersign"],
            "past_grace": counts["past_grace"],
        }
        for title, counts in summary.items()
    ]
    return [
        Panel(
            "Acceptable-use agreements",
            "agreements/_dashboard_panel.html",
            {"rows": rows, "has_agreements": bool(agreements)},
            order=30,
        )
    ]


PANELS = [(Perm.AGREEMENTS_VIEW, _agreements_panel)]
