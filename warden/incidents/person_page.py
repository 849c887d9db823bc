"""The incidents section of a person's page: only for holders of ``INCIDENTS_VIEW``."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.audit import audit_log
from warden.core.dashboard import Panel
from warden.core.roles import Perm
from warden.incidents import selectors
from warden.incidents.models import Sanction, SanctionState
from warden.people.models import Person


def _incidents_section(request: HttpRequest, person: Person) -> list[Panel]:
    involvements = list(selectors.person_incidents(person)[:50])
    sanctions = list(Sanction.objects.filter(person=person, state=SanctionState.ACTIVE))
    if involvements:
        # Seeing which incidents someone is in is itself a read of confidential records.
        audit_log(
            actor=request.user if request.user.is_authenticated else None,
            action="person.incidents_viewed",
            obj=person,
            changes={"incidents": [None, [i.incident_id for i in involvements]]},
        )
    return [
        Panel(
            "E-safety incidents",
            "incidents/_person_section.html",
            {"involvements": involvements, "sanctions": sanctions},
            order=60,
        )
    ]


SECTIONS = [(Perm.INCIDENTS_VIEW, _incidents_section)]
