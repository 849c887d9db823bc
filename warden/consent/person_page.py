"""The consent section of a pupil's page: each purpose, where it stands and who decided."""

from __future__ import annotations

from django.http import HttpRequest

from warden.consent.rules import consent_states
from warden.consent.selectors import purposes_of
from warden.core.access import has_perm
from warden.core.dashboard import Panel
from warden.core.roles import ConsentPerm
from warden.people.models import Person


def _section(request: HttpRequest, person: Person) -> list[Panel]:
    if not person.is_pupil:
        return []
    rows = [
        {"purpose": p, "consent": consent_states(person.school, p, [person.pk])[person.pk]}
        for p in purposes_of(person.school)
    ]
    return [
        Panel(
            "Consent for images",
            "consent/_person_section.html",
            {
                "pupil": person,
                "rows": rows,
                "can_record": has_perm(request.user, ConsentPerm.RECORD, person.school),
            },
            order=25,
        )
    ]


SECTIONS = [(ConsentPerm.VIEW, _section)]
