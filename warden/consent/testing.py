"""Helpers for tests in any area that need pupils with (or without) consent.

``purposes_published(school)`` installs and publishes the starter purposes; ``family(pupil)``
links parents with parental responsibility; ``answer(pupil, parent, slug, "yes")`` records a
desk answer. All go through the services.
"""

from __future__ import annotations

from warden.agreements.models import Method
from warden.consent import services
from warden.consent.models import ConsentDecision, Purpose
from warden.core.models import School, User
from warden.people.models import Guardianship, Person, PersonType


def purposes_published(school: School, *, actor: User | None = None) -> list[Purpose]:
    """Every starter purpose of ``school``, installed and published if it was not."""
    services.starter_purposes_install(actor=actor, school=school, publish=True)
    for purpose in Purpose.objects.filter(school=school):
        if services.latest_published(purpose) is None:
            draft = purpose.versions.get(status="draft")
            services.version_publish(actor=actor, version=draft)
    return list(Purpose.objects.filter(school=school))


def family(pupil: Person, *, parents: int = 2) -> list[Person]:
    """``parents`` parents with parental responsibility linked to ``pupil`` (made now), each
    with an e-mail address."""
    made = []
    for number in range(1, parents + 1):
        parent = Person.objects.create(
            school=pupil.school,
            person_type=PersonType.PARENT,
            first_name=f"Parent{number}",
            last_name=pupil.last_name,
            email=f"parent{number}.{pupil.pk}@example.org",
        )
        Guardianship.objects.create(
            school=pupil.school,
            pupil=pupil,
            parent=parent,
            relationship="carer",
            contact_priority=number,
        )
        made.append(parent)
    return made


def answer(
    pupil: Person, person: Person, slug: str, given: str, *, actor: User | None = None
) -> ConsentDecision | None:
    """``person`` answers ``given`` ("yes", "no", "withdrawn") about ``slug`` at a desk."""
    found = services.decisions_record(
        pupil=pupil,
        person=person,
        answers={slug: given},
        given=services.Given(Method.DESK, person.full_name, actor=actor),
        confirmed=True,
    )
    return found[0] if found else None
