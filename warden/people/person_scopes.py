"""The people a chooser may offer (``choosers.PersonScope``), as forms name them.

Each needs the right to look people up in the register; an area adds its own scopes (with
the permissions of its pages) in its own ``person_scopes.py``.
"""

from __future__ import annotations

from warden.people.choosers import PersonScope
from warden.people.models import STAFF_TYPES, PersonType

SCOPES = [
    PersonScope("people", noun="person", plural="people"),
    PersonScope("pupils", noun="pupil", plural="pupils", types=frozenset({PersonType.PUPIL})),
    PersonScope(
        "parents",
        noun="parent or carer",
        plural="parents and carers",
        types=frozenset({PersonType.PARENT}),
    ),
    PersonScope(
        "staff", noun="member of staff", plural="members of staff", types=frozenset(STAFF_TYPES)
    ),
    PersonScope(
        "current_staff",
        noun="member of staff",
        plural="members of staff",
        types=frozenset(STAFF_TYPES),
        current=True,
    ),
]
