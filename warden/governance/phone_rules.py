"""What the communications matrix says to equipment's pupils'-phones register (equipment
asks through ``collect("phone_rules", "PUPIL_PHONES")``, never importing governance)."""

from __future__ import annotations

from warden.core.models import School
from warden.governance.models import Allowed
from warden.governance.selectors import comms_rows
from warden.governance.starters import PUPIL_PHONES_ROW


def pupil_phones_refusal(school: School) -> str | None:
    """Why no pupil's phone may be registered, when the school's matrix says pupils may not
    bring phones to school (ICT security policy §9); None otherwise."""
    row = next(r for r in comms_rows(school) if r.key == PUPIL_PHONES_ROW)
    if row.pupils != Allowed.NOT_ALLOWED:
        return None
    return (
        f"{school.name}'s communications matrix says pupils may not bring mobile phones to "
        "school, so a phone cannot be registered. If the school allows it with permission, "
        "change the matrix first."
    )


PUPIL_PHONES = [pupil_phones_refusal]
