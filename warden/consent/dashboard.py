"""What consent puts on home pages: for the office, how many pupils
each purpose is still waiting on or refused for, with a link to ask again."""

from __future__ import annotations

from django.http import HttpRequest

from warden.consent.selectors import coverage_totals
from warden.core.dashboard import HomePanel, Panel
from warden.core.models import School
from warden.core.roles import ConsentPerm, Role


def _outstanding(request: HttpRequest, school: School) -> list[Panel]:
    rows = [row for row in coverage_totals(school) if not row["purpose"].is_never]  # type: ignore[attr-defined]
    return [
        Panel(
            "Consent for images: answers outstanding",
            "consent/_dashboard_panel.html",
            {"rows": rows},
            order=15,
        )
    ]


HOME = [
    # The office asks parents; the headteacher's one-screen overview has no room for tables.
    HomePanel(frozenset({Role.OFFICE}), _outstanding, ConsentPerm.VIEW, order=15)
]
