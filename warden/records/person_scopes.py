"""Whom the records area's forms offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import Perm, RecordsPerm
from warden.people.choosers import PersonScope

SCOPES = [
    # Anyone in the register may ask what the school holds about them, leavers too.
    PersonScope(
        "sar_subjects",
        noun="person",
        plural="people",
        perms=frozenset({Perm.PEOPLE_VIEW, RecordsPerm.SAR}),
    ),
]
