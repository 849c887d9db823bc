import pytest

from warden.core.roles import Role
from warden.testing.factories import UserFactory, member


@pytest.fixture
def siro(school):
    user = UserFactory.create(username="siro", first_name="Sam", last_name="Siro")
    member(user, school, Role.SIRO)
    return user
