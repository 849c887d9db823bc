from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.core.models import Membership, User
from warden.core.roles import Role
from warden.core.services import membership_grant, operator_create, school_set_password_policy


def test_headteacher_creates_a_user_with_a_temporary_password(school, headteacher, client_for):
    response = client_for(headteacher).post(
        reverse("core:user_create"),
        {
            "first_name": "New",
            "last_name": "Colleague",
            "email": "new@example.org",
            "username": "n.colleague",
            # A governor has no second factor to set up first (figures only).
            "role": Role.GOVERNOR,
        },
    )
    assert response.status_code == 200
    user = User.objects.get(username="n.colleague")
    assert user.must_change_password
    password = response.context["password"]
    client = Client()
    client.post(reverse("core:login"), {"username": "n.colleague", "password": password})
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:password_change")


def test_ict_manager_cannot_grant_the_dsl_role(school, ict_manager, teacher):
    with pytest.raises(ServiceError) as error:
        membership_grant(actor=ict_manager, user=teacher, school=school, role=Role.DSL)
    assert "Only the headteacher" in error.value.message
    assert not Membership.objects.filter(user=teacher, role=Role.DSL).exists()


def test_teacher_cannot_manage_users(school, teacher, client_for):
    response = client_for(teacher).get(reverse("core:user_list"))
    assert response.status_code == 403


def test_taken_username_is_refused_with_advice(school, headteacher, teacher):
    with pytest.raises(ServiceError) as error:
        operator_create(
            actor=headteacher,
            school=school,
            username="teacher",
            first_name="A",
            last_name="B",
            email="",
            role=Role.TEACHER,
        )
    assert "taken" in error.value.field_errors["username"][0]


def test_school_password_policy_can_be_stricter_but_not_weaker(school, headteacher, teacher):
    with pytest.raises(ServiceError):
        school_set_password_policy(
            actor=headteacher,
            school=school,
            min_length=6,
            require_mixed_case=True,
            require_digit_or_symbol=True,
        )
    school_set_password_policy(
        actor=headteacher,
        school=school,
        min_length=14,
        require_mixed_case=True,
        require_digit_or_symbol=True,
    )
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password("Short-pass-1", user=teacher)
    assert "Use at least 14 characters" in " ".join(error.value.messages)


def test_unlocking_a_locked_account(school, headteacher, teacher, client_for):
    for _ in range(5):
        Client().post(reverse("core:login"), {"username": "teacher", "password": "nope"})
    page = client_for(headteacher).get(reverse("core:user_detail", kwargs={"user_pk": teacher.pk}))
    assert b"locked after failed attempts" in page.content
    client_for(headteacher).post(
        reverse("core:user_action", kwargs={"user_pk": teacher.pk, "action": "unlock"})
    )
    from warden.testing.factories import PASSWORD

    response = Client().post(reverse("core:login"), {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302


def test_users_page_explains_what_each_role_may_do(school, headteacher, client_for):
    page = client_for(headteacher).get(reverse("core:user_list"))
    assert b"What each role may do" in page.content
    assert b"Import people from the MIS" in page.content


def test_every_permission_has_words_for_people():
    from warden.core.roles import ALL_PERMS, PERM_LABELS

    assert set(PERM_LABELS) == set(ALL_PERMS)
