"""Fixtures of the data-protection tests: a SIRO beside the shared named users, a DPO for
the trust, and a pupil."""

from __future__ import annotations

import pytest

from warden.core.models import School, User
from warden.core.roles import Role
from warden.people.models import Person
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
