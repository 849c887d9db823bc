"""Sections the monitoring app adds to a person's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.roles import Perm
from warden.people.models import Person

SECTIONS: list[tuple[str, Any]] = []


# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------
def _violations_section(request: HttpRequest, person: Person) -> list[Panel]:
    from warden.core.audit import audit_log
    from warden.monitoring.selectors.monitoring import violations_for_person

    violations = violations_for_person(person, limit=10)
    if violations:
        # Seeing someone's monitoring record is itself a read of safeguarding records.
        audit_log(
            actor=request.user if request.user.is_authenticated else None,
            action="person.violations_viewed",
            obj=person,
            changes={"violations": [None, [v.pk for v in violations]]},
        )
    return [
        Panel(
            "Monitoring violations",
            "monitoring/monitoring/_person_section.html",
            {"person": person, "violations": violations},
            order=55,
        )
    ]


SECTIONS += [(Perm.VIOLATIONS_VIEW, _violations_section)]
# --- end of monitoring --------------------------------------------------------------------------
