"""The communications matrix (policy duty "Communications matrix set by the school"): what
staff and pupils may do with phones, e-mail, messaging, social media and photos, as the
school sets it."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.governance.models import CommsRule
from warden.governance.selectors import comms_rows
from warden.governance.starters import COMMS_LABELS, PUPIL_CHOICES, STAFF_CHOICES

_STAFF = {value for value, _label in STAFF_CHOICES}
_PUPILS = {value for value, _label in PUPIL_CHOICES}


@transaction.atomic
def comms_update(
    *, actor: User | None, school: School, values: Mapping[str, tuple[str, str]]
) -> int:
    """Set the matrix's rows (``{row: (staff, pupils)}``); returns how many changed."""
    current = {row.key: (row.staff, row.pupils) for row in comms_rows(school)}
    changed: dict[str, list[object]] = {}
    for key, (staff, pupils) in values.items():
        if key not in COMMS_LABELS:
            raise ServiceError(f"{key!r} is not a row of the communications matrix.")
        if staff not in _STAFF or pupils not in _PUPILS:
            raise ServiceError(
                f"Choose what is allowed for “{COMMS_LABELS[key]}” from the lists.",
                field_errors={f"{key}_staff": ["Choose from the list."]},
            )
        if current.get(key) == (staff, pupils):
            continue
        CommsRule.objects.update_or_create(
            school=school, activity=key, defaults={"staff": staff, "pupils": pupils}
        )
        changed[key] = [list(current.get(key, ("", ""))), [staff, pupils]]
    if changed:
        audit_log(
            actor=actor,
            action="comms_matrix.updated",
            school=school,
            changes={"rows": [None, changed]},
        )
    return len(changed)
