"""What equipment puts on home pages: loans due back and overdue (the office), the SIRO's
register panel (possible breaches, losses, stocktakes) and the headteacher's figures."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.equipment.breach import open_breaches
from warden.equipment.models import DeviceRequest, InstallRequest, LoanState
from warden.equipment.selectors import equipment_summary, loans_list, overdue_loans

LOANS_LISTED = 8
DUE_WITHIN_DAYS = 7


def _equipment_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Equipment",
            "equipment/_dashboard_panel.html",
            {"summary": equipment_summary(school)},
            order=20,
        )
    ]


def _loans_panel(request: HttpRequest, school: School) -> list[Panel]:
    """Loans overdue and due back within a week, soonest first, and those waiting for the
    borrower's agreement or a member of staff's permission."""
    today = timezone.localdate()
    issued = loans_list(school, state=LoanState.ISSUED)
    due = issued.filter(due_on__lte=today + dt.timedelta(days=DUE_WITHIN_DAYS))
    awaiting = loans_list(school, state=LoanState.AWAITING_AGREEMENT)
    permission = loans_list(school, state=LoanState.AWAITING_PERMISSION)
    return [
        Panel(
            "Loans due back",
            "equipment/_dashboard_loans.html",
            {
                "due": list(due[:LOANS_LISTED]),
                "due_count": due.count(),
                "overdue_count": overdue_loans(school, today=today).count(),
                "awaiting_agreement": awaiting.count(),
                "awaiting_permission": permission.count(),
                "today": today,
                "days": DUE_WITHIN_DAYS,
            },
            order=20,
        )
    ]


OWN_REQUESTS = 5


def _own_requests_panel(request: HttpRequest, school: School) -> list[Panel]:
    """The software and personal-device requests this user made, newest first; nothing when
    they made none."""
    user_pk = request.user.pk
    software = list(
        InstallRequest.objects.filter(school=school, requested_by_id=user_pk)[:OWN_REQUESTS]
    )
    devices = list(
        DeviceRequest.objects.filter(school=school, requested_by_id=user_pk)[:OWN_REQUESTS]
    )
    if not software and not devices:
        return []
    return [
        Panel(
            "Your software and device requests",
            "equipment/_dashboard_own_requests.html",
            {"software": software, "devices": devices},
            order=30,
        )
    ]


HOME = [
    HomePanel(frozenset({Role.SIRO}), _equipment_panel, Perm.EQUIPMENT_VIEW, order=20, reuse=True),
    HomePanel(frozenset({Role.TEACHER}), _own_requests_panel, Perm.DEVICES_REQUEST, order=30),
    HomePanel(
        frozenset({Role.OFFICE, Role.TECHNICIAN}),
        _loans_panel,
        Perm.EQUIPMENT_VIEW,
        order=20,
        reuse=True,
    ),
]


# --- the headteacher's overview --------------------------------------------------------------
def _equipment_figures(request: HttpRequest, school: School) -> list[Figure]:
    loans = reverse("equipment:loan_list")
    overdue = overdue_loans(school).count()
    found = [
        Figure(
            "Equipment",
            loans_list(school, state=LoanState.ISSUED).count(),
            "on loan",
            loans,
            order=50,
        )
    ]
    if overdue:
        found.append(
            Figure(
                "Equipment",
                overdue,
                "loan overdue" if overdue == 1 else "loans overdue",
                loans + "?state=overdue",
                overdue=True,
                order=50,
            )
        )
    breaches = list(open_breaches(school).order_by("raised_at")[:5])
    if breaches:
        what = "; ".join(
            f"{b.loss_report.asset.asset_tag} {b.loss_report.get_kind_display().lower()}, "
            f"reported {timezone.localtime(b.raised_at):%d/%m/%Y}"
            for b in breaches
        )
        found.append(
            Figure(
                "Equipment",
                open_breaches(school).count(),
                "for the SIRO to assess",
                reverse("equipment:loss_list"),
                overdue=True,
                note=f"Possible data breach: {what}.",
                order=50,
            )
        )
    return found


FIGURES = [(Perm.EQUIPMENT_VIEW, _equipment_figures)]
