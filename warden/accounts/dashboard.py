"""What accounts put on home pages: requests to approve and set up and the leavers whose
accounts are due to close (ICT staff), the headteacher's figures and the trust's roll-up."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import LIVE_STATES, Account, AccountsSettings
from warden.accounts.selectors import hand_suspensions_pending, overdue_accounts, pending_counts
from warden.accounts.services import accounts_settings
from warden.core.dashboard import Cell, Figure, HomePanel, Panel, RollupColumn, counts_by_school
from warden.core.models import School
from warden.core.roles import Perm, Role

ICT = frozenset({Role.ICT_MANAGER, Role.TECHNICIAN})
LEAVERS_LISTED = 8


def leavers_accounts_due(school: School) -> QuerySet[Account]:
    """Live accounts with a removal deadline (a leaver's), soonest deadline first."""
    return (
        Account.objects.filter(
            school=school, state__in=list(LIVE_STATES), removal_deadline__isnull=False
        )
        .select_related("person", "system")
        .order_by("removal_deadline", "pk")
    )


def pause_words(settings: AccountsSettings) -> str:
    """The words "Automatic suspension is paused…", with who paused it, when and why."""
    words = (
        "Automatic suspension is paused: people whose acceptable-use agreement has lapsed "
        "keep their accounts."
    )
    if settings.auto_suspend_paused_at:
        by = settings.auto_suspend_paused_by
        who = f" by {by.get_full_name() or by}" if by else ""
        words += (
            f" Paused {timezone.localdate(settings.auto_suspend_paused_at):%d/%m/%Y}{who}: "
            f"“{settings.auto_suspend_pause_reason}”."
        )
    return words


def _requests_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Account requests",
            "accounts/_dashboard_panel.html",
            {
                "pending": pending_counts(school),
                "by_hand": hand_suspensions_pending(school).count(),
                "settings": accounts_settings(school),
            },
            order=10,
        )
    ]


def _leavers_panel(request: HttpRequest, school: School) -> list[Panel]:
    return [
        Panel(
            "Leavers' accounts to close",
            "accounts/_dashboard_leavers.html",
            {
                "due": list(leavers_accounts_due(school)[:LEAVERS_LISTED]),
                "due_count": leavers_accounts_due(school).count(),
                "overdue_count": overdue_accounts(school).count(),
                "now": timezone.now(),
            },
            order=20,
        )
    ]


HOME = [
    HomePanel(ICT, _requests_panel, Perm.ACCOUNTS_VIEW, order=10, reuse=True),
    HomePanel(ICT, _leavers_panel, Perm.LEAVERS_VIEW, order=20, reuse=True),
]


# --- the headteacher's overview --------------------------------------------------------------
def _account_figures(request: HttpRequest, school: School) -> list[Figure]:
    accounts = reverse("accounts:account_list")
    found = [
        Figure(
            "Accounts",
            pending_counts(school)["requested"],
            "waiting for approval",
            accounts + "?state=requested",
            order=30,
        )
    ]
    settings = accounts_settings(school)
    if not settings.auto_suspend:
        found.append(
            Figure(
                "Accounts",
                "Off",
                "automatic suspension of lapsed agreements",
                reverse("accounts:settings"),
                overdue=True,
                note=pause_words(settings),
                order=30,
            )
        )
    return found


def _leaver_figures(request: HttpRequest, school: School) -> list[Figure]:
    board = reverse("accounts:leavers")
    due = leavers_accounts_due(school).count()
    found = [Figure("Leavers", due, f"account{_s(due)} to close", board, order=35)]
    overdue = overdue_accounts(school).count()
    if overdue:
        found.append(
            Figure(
                "Leavers",
                overdue,
                f"leavers' account{_s(overdue)} past the removal deadline",
                board,
                overdue=True,
                order=35,
            )
        )
    return found


def _s(n: int) -> str:
    return "" if n == 1 else "s"


FIGURES = [(Perm.ACCOUNTS_VIEW, _account_figures), (Perm.LEAVERS_VIEW, _leaver_figures)]


# --- the trust administrator's roll-up ---------------------------------------------------------
def _leavers_overdue_cells(schools: Sequence[School]) -> dict[int, Cell]:
    """Leavers (people, not accounts) with an account past its removal deadline."""
    now = timezone.now()
    counts = counts_by_school((overdue_accounts(s, now=now) for s in schools), distinct="person")
    return {s.pk: Cell(str(counts.get(s.pk, 0)), bool(counts.get(s.pk))) for s in schools}


ROLLUP = [
    RollupColumn(
        "Leavers overdue", Perm.LEAVERS_VIEW, _leavers_overdue_cells, "accounts:leavers", order=20
    )
]
