"""What agreements do when other areas send their signals."""

from __future__ import annotations

from typing import Any

from warden.agreements.services import standings_refresh
from warden.core.models import School


def on_people_changed(sender: Any, *, school: School, person_ids: list[int], **kwargs: Any) -> None:
    """People were added or changed, or their parent links were: their standings follow
    (the audience goes with type and year group, the due date with the joining date, a
    pupil's counter-signature with their parents)."""
    standings_refresh(school=school, people=person_ids)
