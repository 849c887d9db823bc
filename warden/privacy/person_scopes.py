"""Whom the data-protection pages' person choosers offer (``people.choosers.PersonScope``)."""

from __future__ import annotations

from warden.core.roles import Perm, PrivacyPerm
from warden.people.choosers import PersonScope
from warden.people.models import STAFF_TYPES, PersonType

SCOPES = [
    # The headteacher's permission to take personal data off site is for staff.
    PersonScope(
        "off_site_staff",
        noun="member of staff",
        plural="members of staff",
        perms=frozenset({Perm.PEOPLE_VIEW, PrivacyPerm.OFF_SITE_GRANT}),
        types=frozenset(STAFF_TYPES),
        current=True,
    ),
    # The SIRO's override lets one pupil use a system whose record is not approved.
    PersonScope(
        "override_pupils",
        noun="pupil",
        plural="pupils",
        perms=frozenset({Perm.PEOPLE_VIEW, PrivacyPerm.PROCESSOR_OVERRIDE}),
        types=frozenset({PersonType.PUPIL}),
        current=True,
    ),
]
