"""Whom the equipment pages' person choosers offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import Perm
from warden.people.choosers import PersonScope
from warden.people.models import PersonType

SCOPES = [
    # Pupils, staff and the school's other regulars lend and borrow; parents and visitors
    # do not. A leaver still borrows, and hands things back, until their last day.
    PersonScope(
        "borrowers",
        noun="borrower",
        plural="borrowers",
        perms=frozenset({Perm.PEOPLE_VIEW, Perm.LOANS_MANAGE}),
        types=frozenset(PersonType.values) - {PersonType.PARENT, PersonType.VISITOR},
        current=True,
    ),
]
