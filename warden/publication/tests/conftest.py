"""Fixtures shared by the publication tests: a school with consent purposes published and
pupils with both parents' answers recorded through the consent services."""

from __future__ import annotations

import pytest

from warden.consent.testing import answer, family, purposes_published
from warden.people.models import Person
from warden.testing.factories import PupilFactory


@pytest.fixture
def purposes(school):
    return {p.slug: p for p in purposes_published(school)}


def consented(pupil: Person, *slugs: str) -> list[Person]:
    """Both parents say yes to each of ``slugs``; returns the parents."""
    parents = family(pupil)
    for parent in parents:
        for slug in slugs:
            answer(pupil, parent, slug, "yes")
    return parents


@pytest.fixture
def pupil_with_consent(school, purposes):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Lovelace", form="5B")
    consented(pupil, "website", "social-media", "displays")
    return pupil


@pytest.fixture
def pupil_without_consent(school, purposes):
    pupil = PupilFactory.create(school=school, first_name="Bram", last_name="Stoker", form="5B")
    family(pupil)
    return pupil
