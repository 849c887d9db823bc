"""Shortcuts for accounts tests: accounts taken through the real flow."""

from __future__ import annotations

from typing import Any

from warden.accounts import services
from warden.accounts.models import Account, AccountState, System
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


def accounts_made_directly(system: System, people: list[Person], **fields: Any) -> None:
    """Active accounts for many people at once, written straight to the table (for lists
    at the size of a school; the flow that makes accounts has its own tests)."""
    Account.objects.bulk_create(
        Account(
            school=system.school,
            person=person,
            system=system,
            username=f"{system.pk}-{person.pk}",
            **{"state": AccountState.ACTIVE, **fields},
        )
        for person in people
    )
