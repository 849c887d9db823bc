"""The person's accounts on school systems, for their subject access bundle."""

from __future__ import annotations

from warden.accounts.models import Account
from warden.people.models import Person
from warden.records.bundle import SubjectSection


def accounts(person: Person) -> SubjectSection:
    rows = [
        [
            account.system.name,
            account.username,
            account.get_state_display(),
            account.reason,
            account.requested_at,
            account.activated_at,
            account.suspended_at,
            account.suspension_reason,
            account.disabled_at,
            account.deleted_at,
        ]
        for account in Account.objects.filter(person=person)
        .select_related("system")
        .order_by("system__name", "pk")
    ]
    return SubjectSection(
        key="accounts",
        title="Accounts on school systems",
        columns=[
            "System",
            "Username",
            "State",
            "Why requested",
            "Requested",
            "Active from",
            "Suspended",
            "Why suspended",
            "Disabled",
            "Deleted",
        ],
        rows=rows,
        notes=["Passwords are never stored by Warden and are not part of this record."],
        order=10,
    )


SECTIONS = [accounts]
