"""What governance does when other areas send their signals."""

from __future__ import annotations

from typing import Any

from warden.core.models import School, User
from warden.governance.services.policies import incident_brings_forward
from warden.governance.services.training import training_assign
from warden.incidents.models import Incident


def on_people_changed(sender: Any, *, school: School, person_ids: list[int], **kwargs: Any) -> None:
    """People joined or changed: the courses they must take are set due (a new member of
    staff gets their induction)."""
    training_assign(school=school, person_ids=person_ids)


def on_data_breach_reported(
    sender: Any, *, incident: Incident, actor: User | None = None, **kwargs: Any
) -> None:
    """A data breach brings the data protection policy's review forward at once."""
    incident_brings_forward(incident=incident, actor=actor)
