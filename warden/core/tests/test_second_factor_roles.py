"""Policy duty "Second factor for personal data" (docs/policy-map.md).

Teachers, office staff and technicians read people's records, so they too are held at the
authenticator set-up until they enrol; governors see figures only and sign in without one.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from warden.core.roles import ROLE_PERMISSIONS, TWO_FACTOR_ROLES, Perm, Role

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-9"


def _signed_in_with_password(user) -> Client:
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    response = client.post(reverse("core:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("who", ["teacher", "office", "technician"])
def test_staff_who_read_personal_data_must_enrol_a_second_factor(who, request):
    user = request.getfixturevalue(who)
    client = _signed_in_with_password(user)
    for url in (reverse("core:dashboard"), reverse("people:list")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("core:otp_setup")


def test_a_governor_who_sees_figures_only_signs_in_with_a_password(governor):
    client = _signed_in_with_password(governor)
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_only_roles_with_figures_alone_go_without_a_second_factor():
    reading_people = {r for r, perms in ROLE_PERMISSIONS.items() if Perm.PEOPLE_VIEW in perms}
    assert reading_people <= TWO_FACTOR_ROLES
    assert set(Role.values) - TWO_FACTOR_ROLES == {Role.GOVERNOR}
