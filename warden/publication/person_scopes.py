"""Whom the publication pages' person choosers offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import Perm
from warden.people.choosers import PersonScope
from warden.people.models import STAFF_TYPES, PersonType

SCOPES = [
    # The pupils in a set of images or shown in a post: pupils on the roll today.
    PersonScope(
        "media_pupils",
        noun="pupil",
        plural="pupils",
        perms=frozenset({Perm.PEOPLE_VIEW, Perm.MEDIA_RECORD}),
        types=frozenset({PersonType.PUPIL}),
        current=True,
    ),
    # Staff a senior leader may permit to record on a personal device.
    PersonScope(
        "recording_staff",
        noun="member of staff",
        plural="members of staff",
        perms=frozenset({Perm.PEOPLE_VIEW, Perm.RECORDING_APPROVE}),
        types=frozenset(STAFF_TYPES),
        current=True,
    ),
]
