"""Fixtures of the incident tests: a deputy DSL and a SIRO beside the shared named users,
pupils and staff at Oakfield, and accounts for sanctions to suspend."""

from __future__ import annotations

import pytest

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.models import School, User
from warden.core.roles import Role
from warden.people.models import Person
from warden.testing.factories import PersonFactory, PupilFactory, UserFactory, member


def _user(username: str, school: School, role: str) -> User:
    user = UserFactory.create(username=username, first_name=username.title(), last_name="Tester")
    member(user, school, role)
    return user


@pytest.fixture
def deputy(school: School) -> User:
    return _user("deputy", school, Role.DEPUTY_DSL)


@pytest.fixture
def siro(school: School) -> User:
    return _user("siro", school, Role.SIRO)


@pytest.fixture
def pupil(school: School) -> Person:
    return PupilFactory.create(school=school, first_name="Robin", last_name="Pupil-Subject")


@pytest.fixture
def other_pupil(school: School) -> Person:
    return PupilFactory.create(school=school, first_name="Alex", last_name="Pupil-Victim")


@pytest.fixture
def staff_member(school: School) -> Person:
    return PersonFactory.create(school=school, first_name="Sam", last_name="Staff-Subject")


def active_account(person: Person, kind: str = SystemKind.DIRECTORY, name: str = "") -> Account:
    system, _ = System.objects.get_or_create(
        school=person.school, name=name or f"{SystemKind(kind).label}", defaults={"kind": kind}
    )
    return Account.objects.create(
        school=person.school,
        person=person,
        system=system,
        username=f"{person.first_name.lower()}.{system.pk}",
        state=AccountState.ACTIVE,
    )


def may_have_access(person: Person) -> None:
    """Give ``person`` a current acceptable-use signature, which re-enabling an account needs."""
    from warden.agreements.testing import sign_current

    sign_current(person)
