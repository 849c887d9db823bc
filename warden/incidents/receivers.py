"""What the incident log does when other areas send their signals."""

from __future__ import annotations

from typing import Any

from warden.core.models import School
from warden.incidents.services.triage import violations_received


def on_violations_stored(
    sender: Any, *, school: School, violation_ids: list[int], **kwargs: Any
) -> None:
    """Open triage for violations monitoring stored, alerting the DSL at once for severity
    4 and 5."""
    violations_received(school=school, violation_ids=violation_ids)
