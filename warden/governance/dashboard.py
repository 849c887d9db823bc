"""What governance puts on home pages: reviews overdue (the headteacher and governors see
policy names and dates, no one's name) and the headteacher's figures."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import GovernancePerm, Role
from warden.governance import selectors

SHOWN = 5


def _policies_panel(request: HttpRequest, school: School) -> list[Panel]:
    today = timezone.localdate()
    overdue = list(selectors.overdue_policies(school, today)[: SHOWN + 1])
    if not overdue:
        return []
    return [
        Panel(
            "Policy reviews overdue",
            "governance/_dashboard_policies.html",
            {"rows": overdue[:SHOWN], "more": len(overdue) > SHOWN},
            order=20,
        )
    ]


HOME = [
    HomePanel(
        frozenset({Role.HEADTEACHER, Role.GOVERNOR}),
        _policies_panel,
        GovernancePerm.READ,
        order=20,
    )
]


def _figures(request: HttpRequest, school: School) -> list[Figure]:
    today = timezone.localdate()
    url = reverse("governance:policy_list")
    found = [
        Figure(
            "Policies",
            selectors.due_soon_policies(school, today).count(),
            f"policy reviews due within {selectors.REMINDER_DAYS} days",
            url,
            order=80,
        )
    ]
    overdue = selectors.overdue_policies(school, today).count()
    if overdue:
        found.append(
            Figure(
                "Policies",
                overdue,
                "policy reviews overdue",
                url,
                overdue=True,
                note="Review and approve them, then record the new version.",
                order=80,
            )
        )
    return found


def _training_figures(request: HttpRequest, school: School) -> list[Figure]:
    late = sum(c.overdue for c in selectors.compliance(school, timezone.localdate()))
    if not late:
        return []
    return [
        Figure(
            "Training",
            late,
            "training overdue",
            reverse("governance:training") + "?overdue=on",
            overdue=True,
            note="People whose course is overdue or expired.",
            order=81,
        )
    ]


FIGURES = [(GovernancePerm.READ, _figures), (GovernancePerm.TRAINING_VIEW, _training_figures)]
