from __future__ import annotations

import pytest

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.models import School
from warden.people.models import Person
from warden.testing.factories import PersonFactory


@pytest.fixture
def staff_member(school: School) -> Person:
    person = PersonFactory.create(school=school, first_name="Jane", last_name="Smith")
    system = System.objects.create(school=school, name="Directory", kind=SystemKind.DIRECTORY)
    Account.objects.create(
        school=school, person=person, system=system, username="jsmith", state=AccountState.ACTIVE
    )
    return person
