"""The agreements section of a person's page: where they stand and what they signed."""

from __future__ import annotations

from django.http import HttpRequest

from warden.agreements.rules import standing_of
from warden.agreements.selectors import signatures_of
from warden.core.access import has_perm
from warden.core.dashboard import Panel
from warden.core.roles import Perm
from warden.people.models import Person, Status


def _section(request: HttpRequest, person: Person) -> list[Panel]:
    return [
        Panel(
            "Acceptable-use agreement",
            "agreements/_person_section.html",
            {
                "person": person,
                "standing": standing_of(person),
                "signatures": list(signatures_of(person)[:20]),
                "can_record": has_perm(request.user, Perm.SIGNATURES_RECORD, person.school)
                and person.status != Status.LEFT,
            },
            order=20,
        )
    ]


SECTIONS = [(Perm.AGREEMENTS_VIEW, _section)]
