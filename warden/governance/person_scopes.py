"""Whom the training pages' person choosers offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import GovernancePerm, Perm
from warden.people.choosers import PersonScope
from warden.people.models import PersonType

SCOPES = [
    # Everyone a course may be set for: staff of every kind, governors and volunteers.
    PersonScope(
        "trainees",
        noun="person",
        plural="people",
        perms=frozenset({Perm.PEOPLE_VIEW, GovernancePerm.TRAINING_RECORD}),
        types=frozenset(
            {
                PersonType.TEACHING_STAFF,
                PersonType.SUPPORT_STAFF,
                PersonType.SUPPLY_STAFF,
                PersonType.GOVERNOR,
                PersonType.VOLUNTEER,
            }
        ),
        current=True,
    ),
]
