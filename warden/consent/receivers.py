"""What consent does when other areas send their signals."""

from __future__ import annotations

from typing import Any

from warden.consent.services import admission_packs_send, starter_purposes_install
from warden.core.models import School


def on_people_changed(sender: Any, *, school: School, person_ids: list[int], **kwargs: Any) -> None:
    """Pupils joined or changed, or their parent links did (the MIS import adds a
    guardian): every parent or carer never asked yet is sent the admission pack. A new
    parent has no answer, so the pupil's consent waits for them from this moment."""
    admission_packs_send(school=school, person_ids=person_ids)


def on_school_registered(sender: Any, *, school: School, **kwargs: Any) -> None:
    """A new school starts with the starter purposes as drafts to read and publish."""
    starter_purposes_install(actor=None, school=school)
