"""What the publication area does when consent sends its signal."""

from __future__ import annotations

from typing import Any

from warden.consent.models import ConsentDecision, Purpose
from warden.core.models import School
from warden.people.models import Person
from warden.publication.services.media import withdrawal_listed


def on_consent_refused(
    sender: Any,
    *,
    school: School,
    pupil: Person,
    purpose: Purpose,
    decision: ConsentDecision,
    **kwargs: Any,
) -> None:
    """List every set that includes the pupil for removal, in the same transaction as the
    refusal, so the purge page shows it at once."""
    withdrawal_listed(
        school=school,
        pupil=pupil,
        purpose=purpose,
        answer=decision.answer,
        at=decision.decided_at,
    )
