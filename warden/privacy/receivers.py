"""What the data-protection area does when lower areas report a possible breach."""

from __future__ import annotations

from typing import Any

from warden.core.models import User
from warden.equipment.models import PossibleBreach
from warden.incidents.models import Incident
from warden.privacy.services.breaches import breach_from_incident, breach_from_possible_breach


def on_possible_breach(possible: PossibleBreach) -> None:
    """Equipment raised a possible breach (a lost or stolen unencrypted device that could
    hold personal data): open the breach, linked to the flag and its loss report, inside
    the reporting transaction."""
    breach_from_possible_breach(possible=possible)


def on_data_breach_reported(
    sender: Any, *, incident: Incident, actor: User | None, **kwargs: Any
) -> None:
    """An e-safety incident of kind "data breach" was reported: open its breach."""
    breach_from_incident(incident=incident, actor=actor)
