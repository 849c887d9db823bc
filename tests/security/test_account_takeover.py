"""Nobody takes over an account they could not have granted.

The attack (security issue, item 1): an ICT manager reset the trust administrator's second
factor and password, signed in with the temporary password, enrolled a new authenticator
and read another school's confidential records. The rule now: nobody may reset, re-enrol,
switch off or change the roles of a user who holds a role they could not grant, nor a
trust-wide user unless they are trust-wide themselves; every reset is audited and
e-mailed to the person whose sign-in it was.

The matrix walks every role (as the actor) x every role (as the target, trust
administrator included) x every endpoint that changes another user. The expected answer
comes from this file's own table, not from the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.models import AuditEntry, Membership, School, User
from warden.core.roles import Role
from warden.testing.clients import signed_in
from warden.testing.factories import PASSWORD, SchoolFactory, TrustFactory, UserFactory, member

MANAGERS = {Role.HEADTEACHER, Role.ICT_MANAGER, Role.TRUST_ADMIN}
# Roles only a headteacher or trust administrator may grant (they open safeguarding and
# personal records); the trust administrator is granted by a trust administrator alone.
SENIOR = {Role.HEADTEACHER, Role.DSL, Role.DEPUTY_DSL, Role.SIRO}


def may_manage(actor_role: str, target_role: str) -> bool:
    if actor_role not in MANAGERS:
        return False
    if target_role == Role.TRUST_ADMIN:
        return actor_role == Role.TRUST_ADMIN
    if target_role in SENIOR:
        return actor_role in {Role.HEADTEACHER, Role.TRUST_ADMIN}
    return True


@dataclass
class World:
    school: School
    actor: User
    target: User
    client: Client


def _make(username: str, school: School, role: str) -> User:
    user = UserFactory.create(username=username, email=f"{username}@example.org")
    if role == Role.TRUST_ADMIN:
        member(user, None, role, trust=school.trust)
    else:
        member(user, school, role)
    return user


@pytest.fixture
def trust_schools(db) -> tuple[School, School]:
    trust = TrustFactory.create(name="Oak Learning Trust", slug="oak-trust")
    a = SchoolFactory.create(trust=trust, name="Oakfield Primary", slug="oakfield")
    b = SchoolFactory.create(trust=trust, name="Elmwood Primary", slug="elmwood")
    return a, b


def _world(school: School, actor_role: str, target_role: str) -> World:
    actor = _make("actor", school, actor_role)
    target = _make("target", school, target_role)
    # Every target also teaches at the school, so removing a role is tried on everyone.
    member(target, school, Role.TEACHER)
    TOTPDevice.objects.create(user=target, name="phone", confirmed=True)
    client = signed_in(actor)
    client.post(reverse("core:switch_school"), {"school": school.slug})
    return World(school=school, actor=actor, target=target, client=client)


def _state(user: User) -> tuple[object, ...]:
    user.refresh_from_db()
    return (
        user.password,
        user.must_change_password,
        user.is_active,
        TOTPDevice.objects.filter(user=user).count(),
        sorted(Membership.objects.filter(user=user).values_list("pk", flat=True)),
    )


def _post_action(world: World, action: str):
    url = reverse("core:user_action", kwargs={"user_pk": world.target.pk, "action": action})
    return world.client.post(url)


def _grant(world: World):
    url = reverse("core:user_detail", kwargs={"user_pk": world.target.pk})
    return world.client.post(url, {"role": Role.OFFICE})


def _revoke(world: World):
    teaching = Membership.objects.get(user=world.target, school=world.school, role=Role.TEACHER)
    return world.client.post(
        reverse("core:membership_revoke", kwargs={"membership_pk": teaching.pk})
    )


def _check_reset_password(world: World, response) -> None:
    world.target.refresh_from_db()
    assert response.status_code == 200
    assert world.target.must_change_password
    password = response.context["password"]
    assert world.target.check_password(password)
    assert AuditEntry.objects.filter(
        action="user.password_reset", object_id=str(world.target.pk)
    ).exists()
    assert [m.to for m in mail.outbox] == [[world.target.email]]
    assert "temporary password" in str(mail.outbox[0].body)
    assert password not in str(mail.outbox[0].body)


def _check_reset_2fa(world: World, response) -> None:
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.target).exists()
    assert AuditEntry.objects.filter(
        action="user.two_factor_reset", object_id=str(world.target.pk)
    ).exists()
    assert [m.to for m in mail.outbox] == [[world.target.email]]
    assert "authenticator" in str(mail.outbox[0].body)


def _check_unlock(world: World, response) -> None:
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        action="user.unlocked", object_id=str(world.target.pk)
    ).exists()


def _check_deactivate(world: World, response) -> None:
    assert response.status_code == 302
    world.target.refresh_from_db()
    assert not world.target.is_active


def _check_activate(world: World, response) -> None:
    assert response.status_code == 302
    world.target.refresh_from_db()
    assert world.target.is_active


def _check_grant(world: World, response) -> None:
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=world.target, school=world.school, role=Role.OFFICE
    ).exists()


def _check_revoke(world: World, response) -> None:
    assert response.status_code == 302
    assert not Membership.objects.filter(
        user=world.target, school=world.school, role=Role.TEACHER
    ).exists()


# Every endpoint that changes another user, in an order where each leaves the target
# still reachable by the next (removing a role comes last).
ENDPOINTS: list[tuple[str, Callable[[World], object], Callable[..., None]]] = [
    ("reset-password", lambda w: _post_action(w, "reset-password"), _check_reset_password),
    ("reset-2fa", lambda w: _post_action(w, "reset-2fa"), _check_reset_2fa),
    ("unlock", lambda w: _post_action(w, "unlock"), _check_unlock),
    ("deactivate", lambda w: _post_action(w, "deactivate"), _check_deactivate),
    ("activate", lambda w: _post_action(w, "activate"), _check_activate),
    ("grant a role", _grant, _check_grant),
    ("remove a role", _revoke, _check_revoke),
]


@pytest.mark.parametrize("target_role", list(Role))
@pytest.mark.parametrize("actor_role", list(Role))
def test_every_role_on_every_role_through_every_endpoint(
    trust_schools, actor_role, target_role, django_capture_on_commit_callbacks
):
    world = _world(trust_schools[0], actor_role, target_role)
    allowed = may_manage(actor_role, target_role)
    for name, call, check in ENDPOINTS:
        mail.outbox.clear()
        before = _state(world.target)
        audit_before = AuditEntry.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            response = call(world)
        if allowed:
            check(world, response)
        else:
            assert response.status_code == 403, (
                f"{actor_role} → {target_role}: {name} gave {response.status_code}"
            )
            assert _state(world.target) == before, f"{name} changed the target"
            assert AuditEntry.objects.count() == audit_before
            assert mail.outbox == []


def test_an_ict_manager_cannot_take_over_senior_accounts(trust_schools):
    """The issue's attack path, end to end, on the trust administrator, head and DSL."""
    a, b = trust_schools
    ict = _make("ict", a, Role.ICT_MANAGER)
    seniors = [
        _make("trustadmin", a, Role.TRUST_ADMIN),
        _make("head", a, Role.HEADTEACHER),
        _make("dsl", a, Role.DSL),
    ]
    for senior in seniors:
        TOTPDevice.objects.create(user=senior, name="phone", confirmed=True)
    attacker = signed_in(ict)
    for senior in seniors:
        for action in ("reset-2fa", "reset-password"):
            url = reverse("core:user_action", kwargs={"user_pk": senior.pk, "action": action})
            response = attacker.post(url)
            assert response.status_code == 403
            assert b"could not grant" in response.content or b"across the trust" in response.content
        senior.refresh_from_db()
        assert senior.check_password(PASSWORD)
        assert not senior.must_change_password
        assert TOTPDevice.objects.filter(user=senior, confirmed=True).exists()
        # Signing in as the senior still needs their own authenticator.
        client = Client()
        client.post(reverse("core:login"), {"username": senior.username, "password": PASSWORD})
        assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:otp_verify")
    # And the ICT manager never reaches the other school.
    assert attacker.post(reverse("core:switch_school"), {"school": b.slug}).status_code == 404
    assert mail.outbox == []


def test_a_trust_administrator_may_still_reset_a_headteacher(trust_schools, client_for):
    a, _ = trust_schools
    admin = _make("trustadmin", a, Role.TRUST_ADMIN)
    head = _make("head", a, Role.HEADTEACHER)
    client = client_for(admin)
    client.post(reverse("core:switch_school"), {"school": a.slug})
    url = reverse("core:user_action", kwargs={"user_pk": head.pk, "action": "reset-password"})
    assert client.post(url).status_code == 200


def test_a_school_role_elsewhere_counts_too(trust_schools, client_for):
    """A teacher here who is headteacher at the trust's other school is the head's to reset."""
    a, b = trust_schools
    ict = _make("ict", a, Role.ICT_MANAGER)
    both = _make("both", a, Role.TEACHER)
    member(both, b, Role.HEADTEACHER)
    url = reverse("core:user_action", kwargs={"user_pk": both.pk, "action": "reset-password"})
    response = client_for(ict).post(url)
    assert response.status_code == 403
    both.refresh_from_db()
    assert both.check_password(PASSWORD)


def test_the_user_page_explains_why_its_actions_are_missing(trust_schools, client_for):
    a, _ = trust_schools
    ict = _make("ict", a, Role.ICT_MANAGER)
    head = _make("head", a, Role.HEADTEACHER)
    page = client_for(ict).get(reverse("core:user_detail", kwargs={"user_pk": head.pk}))
    assert page.status_code == 200
    assert b"holds a role you could not grant (Headteacher)" in page.content
    assert b"Issue a temporary password" not in page.content
