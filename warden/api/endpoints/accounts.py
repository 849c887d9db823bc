"""Accounts on the school's systems and the state each is in."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.accounts.access import account_for_user
from warden.accounts.models import Account
from warden.accounts.selectors import AccountFilter, accounts_list
from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import AccountOut
from warden.core.roles import Perm

router = Router(tags=["Accounts"])


def account_out(account: Account) -> dict[str, Any]:
    row = {name: getattr(account, name, None) for name in AccountOut.model_fields}
    row.update(
        id=account.pk,
        person=str(account.person),
        system=str(account.system),
    )
    return row


class AccountQuery(Schema):
    q: str = ""
    state: str = ""
    system: int | None = None
    person_type: str = ""
    year_group: int | None = None


@router.get("", response={200: list[AccountOut], **REFUSALS}, operation_id="accounts_list")
@paginate(Paged)
def list_accounts(request: HttpRequest, filters: Query[AccountQuery]) -> Shaped:
    """Accounts as the accounts page lists them (deleted ones only when asked by state)."""
    school = caller_school(caller(request), Perm.ACCOUNTS_VIEW)
    return Shaped(accounts_list(school, AccountFilter(**filters.dict())), account_out)


@router.get(
    "/{int:account_pk}", response={200: AccountOut, **REFUSALS}, operation_id="accounts_get"
)
def get_account(request: HttpRequest, account_pk: int) -> dict[str, Any]:
    """One account and its state."""
    caller_school(caller(request), Perm.ACCOUNTS_VIEW)
    return account_out(account_for_user(caller(request), account_pk))
