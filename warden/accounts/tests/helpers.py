"""Shortcuts for accounts tests: accounts taken through the real flow."""

from __future__ import annotations

from warden.accounts import services
from warden.accounts.models import Account, System
from warden.agreements.testing import sign_current
from warden.core.models import User
from warden.people.models import Person


def active_account(
    person: Person, system: System, *, approver: User | None = None, username: str = ""
) -> Account:
    """Request, approve and activate an account, signing the person's agreement first."""
    sign_current(person)
    account = services.account_request(
        actor=None, person=person, system=system, username=username, reason="test"
    )
    account = services.account_approve(actor=approver, account=account)
    return services.account_activate(actor=None, account=account)
