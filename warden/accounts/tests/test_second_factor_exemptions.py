"""Only roles that read no personal data may sign in without a second factor, by the
school's audited choice (duty "Second factor for personal data", ICT security policy §8k)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.testing.clients import signed_in

pytestmark = pytest.mark.django_db

SETTINGS = reverse("accounts:settings")
EXEMPTIONS = reverse("accounts:second_factor_exemptions")


def _home_of(user) -> str:
    """Where a user signed in with a password only lands when they open the home page."""
    response = signed_in(user, verified=False).get(reverse("core:dashboard"))
    return response.headers.get("Location", "") if response.status_code == 302 else "home"


def test_the_page_offers_only_roles_with_no_personal_data(headteacher, client_for):
    page = client_for(headteacher).get(SETTINGS).content.decode()
    assert "Second factor at sign-in" in page
    assert 'value="governor"' in page and 'value="teacher"' not in page
    assert "Teacher" in page.split("Second factor at sign-in")[1].split("</p>")[0]


def test_governors_are_exempt_until_the_school_asks_them_for_a_second_factor(
    school, headteacher, governor, client_for
):
    assert _home_of(governor) == "home"

    response = client_for(headteacher).post(EXEMPTIONS, {}, follow=True)

    assert "Second-factor exemptions saved." in response.content.decode()
    assert _home_of(governor) == reverse("core:otp_setup")
    entry = AuditEntry.objects.get(action="school.second_factor_exemptions_changed")
    assert entry.actor == headteacher
    assert entry.changes["second_factor_exempt_roles"] == [["governor"], []]

    client_for(headteacher).post(EXEMPTIONS, {"exempt_roles": ["governor"]})
    assert _home_of(governor) == "home"
    school.refresh_from_db()
    assert school.second_factor_exempt_roles == ["governor"]


def test_a_role_reading_personal_data_cannot_be_exempted(school, ict_manager, teacher, client_for):
    response = client_for(ict_manager).post(
        EXEMPTIONS, {"exempt_roles": ["governor", "teacher"]}, follow=True
    )

    page = response.content.decode()
    assert "Teacher reads personal data, so every holder signs in with a second factor" in page
    school.refresh_from_db()
    assert school.second_factor_exempt_roles == ["governor"]
    assert _home_of(teacher) == reverse("core:otp_setup")
    assert not AuditEntry.objects.filter(action="school.second_factor_exemptions_changed")


def test_only_those_who_configure_the_school_change_exemptions(school, technician, dsl, client_for):
    for user in (technician, dsl):
        assert client_for(user).post(EXEMPTIONS, {}).status_code == 403
    school.refresh_from_db()
    assert school.second_factor_exempt_roles == ["governor"]


def test_a_trust_wide_governor_needs_a_second_factor_if_one_school_asks_for_it(
    school, headteacher, client_for
):
    from warden.core.models import Membership
    from warden.core.roles import Role
    from warden.testing.factories import SchoolFactory, UserFactory

    SchoolFactory.create(trust=school.trust, name="Second School", slug="second")
    governor = UserFactory.create(username="trustgov")
    Membership.objects.create(user=governor, trust=school.trust, school=None, role=Role.GOVERNOR)
    assert _home_of(governor) == "home"
    client_for(headteacher).post(EXEMPTIONS, {})
    assert _home_of(governor) == reverse("core:otp_setup")
