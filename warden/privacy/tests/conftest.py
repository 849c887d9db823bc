"""Fixtures of the data-protection tests: a SIRO beside the shared named users, a DPO for
the trust, a pupil, and an open breach."""

from __future__ import annotations

import pytest

from warden.core.models import School, User
from warden.core.roles import Role
from warden.people.models import Person
from warden.privacy.models import Breach
from warden.privacy.services.breaches import breach_open
from warden.records.models import DpoContact
from warden.testing.factories import PupilFactory, UserFactory, member


@pytest.fixture
def siro(school: School) -> User:
    user = UserFactory.create(
        username="siro", first_name="Siro", last_name="Tester", email="siro@example.org"
    )
    member(user, school, Role.SIRO)
    return user


@pytest.fixture
def dpo(school: School) -> DpoContact:
    return DpoContact.objects.create(
        trust=school.trust, name="Schools DPO Service", email="dpo@example.org"
    )


@pytest.fixture
def pupil(school: School) -> Person:
    return PupilFactory.create(school=school, first_name="Robin", last_name="Pupil")


@pytest.fixture
def breach(school: School, siro: User) -> Breach:
    return breach_open(
        actor=siro,
        school=school,
        title="Laptop bag stolen",
        description="A bag with a printed class list was stolen from a car.",
    )
