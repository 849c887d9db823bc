"""The equipment section of a person's page: what they hold now and have held."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.dashboard import Panel
from warden.core.roles import Perm
from warden.equipment.selectors import loans_of
from warden.people.models import Person


def _equipment(request: HttpRequest, person: Person) -> list[Panel]:
    loans = list(loans_of(person)[:50])
    holding = [loan for loan in loans if loan.is_open]
    held = [loan for loan in loans if not loan.is_open]
    return [
        Panel(
            "Equipment",
            "equipment/_person_section.html",
            {"holding": holding, "held": held, "person": person},
            order=40,
        )
    ]


SECTIONS = [(Perm.EQUIPMENT_VIEW, _equipment)]
