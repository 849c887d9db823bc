"""Legal holds from the incident log (``records.retention``): while an incident is open,
every record of each person involved in it stays, whatever its retention rule."""

from __future__ import annotations

from collections.abc import Iterable

from warden.core.models import School
from warden.incidents.models import IncidentStatus, Involvement
from warden.records.retention import Hold


def open_incidents(school: School) -> Iterable[Hold]:
    parts = (
        Involvement.objects.filter(school=school)
        .exclude(incident__status=IncidentStatus.CLOSED)
        .select_related("incident")
        .order_by("incident__number")
    )
    for part in parts:
        yield Hold(part.person_id, f"open incident {part.incident.reference}")


HOLDS = [open_incidents]
