"""The "Accounts" section of a person's page: each account, its state and what can be done."""

from __future__ import annotations

from django.http import HttpRequest

from warden.accounts.selectors import accounts_of
from warden.accounts.services import activation_refusal
from warden.core.access import has_perm
from warden.core.dashboard import Panel
from warden.core.roles import Perm
from warden.people.models import Person


def _accounts_section(request: HttpRequest, person: Person) -> list[Panel]:
    accounts = list(accounts_of(person))
    gate = None
    if any(a.state == "approved" for a in accounts):
        first = next(a for a in accounts if a.state == "approved")
        gate = activation_refusal(first)
    return [
        Panel(
            "Accounts",
            "accounts/_person_section.html",
            {
                "person": person,
                "accounts": accounts,
                "gate": gate,
                "can_request": has_perm(request.user, Perm.ACCOUNTS_REQUEST, person.school),
                "can_approve": has_perm(request.user, Perm.ACCOUNTS_APPROVE, person.school),
                "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, person.school),
                "next": request.path,
            },
            order=20,
        )
    ]


SECTIONS = [(Perm.ACCOUNTS_VIEW, _accounts_section)]
