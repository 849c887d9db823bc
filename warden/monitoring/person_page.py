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


# --- filtering (the person's filter group, assignments by name) -------------------------------
def _filtering_section(request: HttpRequest, person: Person) -> list[Panel]:
    from warden.core.access import has_perm
    from warden.monitoring.forms.filtering import AssignForm
    from warden.monitoring.models.filtering import FilterGroup
    from warden.monitoring.selectors.filtering import assignments_in_force, assignments_of
    from warden.monitoring.services.filtering_snapshot import first_group

    groups = list(FilterGroup.objects.filter(school=person.school).order_by("position", "pk"))
    by_rule = first_group(groups, person.person_type, person.year_group) or next(
        (g for g in groups if g.is_default), None
    )
    can_manage = has_perm(request.user, Perm.FILTERING_MANAGE, person.school)
    return [
        Panel(
            "Web filtering",
            "monitoring/filtering/_person_section.html",
            {
                "person": person,
                "by_rule": by_rule,
                "in_force": assignments_in_force(person=person).first(),
                "assignments": assignments_of(person),
                "can_manage": can_manage,
                "form": AssignForm(school=person.school) if can_manage and groups else None,
            },
            order=54,
        )
    ]


SECTIONS += [(Perm.FILTERING_VIEW, _filtering_section)]
# --- end of filtering ---------------------------------------------------------------------------
