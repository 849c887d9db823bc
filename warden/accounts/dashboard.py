from __future__ import annotations

from django.http import HttpRequest

from warden.accounts.selectors import hand_suspensions_pending, overdue_accounts, pending_counts
from warden.accounts.services import accounts_settings
from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm


def _accounts_panel(request: HttpRequest, school: School) -> list[Panel]:
    overdue = list(overdue_accounts(school).order_by("removal_deadline")[:10])
    return [
        Panel(
            "Accounts",
            "accounts/_dashboard_panel.html",
            {
                "pending": pending_counts(school),
                "overdue": overdue,
                "overdue_count": overdue_accounts(school).count(),
                "by_hand": hand_suspensions_pending(school).count(),
                "settings": accounts_settings(school),
            },
            order=20,
        )
    ]


PANELS = [(Perm.ACCOUNTS_VIEW, _accounts_panel)]
