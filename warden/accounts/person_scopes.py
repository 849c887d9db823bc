"""The people accounts' forms offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import Perm
from warden.people.choosers import PersonScope
from warden.people.models import PersonType

SCOPES = [
    # Policy duty "Remote access only for named staff": employed staff, not supply.
    PersonScope(
        "remote_staff",
        noun="member of staff",
        plural="members of staff",
        perms=frozenset({Perm.PEOPLE_VIEW, Perm.SYSTEMS_MANAGE}),
        types=frozenset({PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF}),
    ),
]
