"""Signing in through a real OpenID provider (node's oidc-provider on loopback)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from warden.core.models import AuditEntry, User
from warden.sso import services
from warden.sso.models import LinkHow, ProviderLink
from warden.testing.clients import CommittingClient

pytestmark = pytest.mark.django_db


def _dashboard(client: CommittingClient) -> str:
    """Where the dashboard sends this client: "" when it opens."""
    answer = client.get(reverse("core:dashboard"))
    return "" if answer.status_code == 200 else answer["Location"]


def test_provider_asserting_mfa_signs_in_past_wardens_second_factor(
    provider, dsl, ict_manager, sign_in_through
):
    services.link_create(actor=ict_manager, provider=provider, user=dsl, subject="mfa-user")
    client = CommittingClient()
    answer = sign_in_through(client, provider, "mfa-user")
    assert answer.status_code == 302 and answer["Location"] == reverse("core:dashboard")
    assert _dashboard(client) == ""
    entry = AuditEntry.objects.filter(action="sso.signed_in").get()
    assert entry.actor == dsl
    assert "asserted by the provider" in str(entry.changes)


def test_no_mfa_claim_leaves_wardens_own_second_factor(provider, dsl, ict_manager, sign_in_through):
    services.link_create(actor=ict_manager, provider=provider, user=dsl, subject="pwd-user")
    client = CommittingClient()
    answer = sign_in_through(client, provider, "pwd-user")
    assert answer.status_code == 302
    assert int(client.session[SESSION_KEY]) == dsl.pk
    assert _dashboard(client).startswith(reverse("core:otp_setup"))


def test_an_unknown_user_is_refused_with_the_reference_to_link(provider, sign_in_through):
    client = CommittingClient()
    answer = sign_in_through(client, provider, "stranger")
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "not linked to anyone in Warden" in page
    assert "stranger@example.org" in page and ">stranger<" in page
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(action="sso.refused").count() == 1


def test_staff_of_the_schools_domain_are_linked_by_verified_address(
    provider, teacher, ict_manager, sign_in_through
):
    teacher.email = "pwd.user@oakfield.example"
    teacher.save()
    services.provider_update(
        actor=ict_manager, provider=provider, fields={"staff_domain": "@Oakfield.example"}
    )
    client = CommittingClient()
    answer = sign_in_through(client, provider, "pwd-user")
    assert answer.status_code == 302
    link = ProviderLink.objects.get(provider=provider)
    assert (link.user, link.subject, link.how) == (teacher, "pwd-user", LinkHow.DOMAIN)


def test_the_domain_rule_never_creates_a_user(provider, ict_manager, sign_in_through):
    services.provider_update(
        actor=ict_manager, provider=provider, fields={"staff_domain": "oakfield.example"}
    )
    users = User.objects.count()
    answer = sign_in_through(CommittingClient(), provider, "mfa-user")
    assert answer.status_code == 403
    assert User.objects.count() == users
    assert not ProviderLink.objects.exists()


def test_a_linked_user_without_a_role_here_is_refused(
    provider, other_school_user, ict_manager, sign_in_through
):
    with pytest.raises(services.ServiceError, match="no role where"):
        services.link_create(
            actor=ict_manager, provider=provider, user=other_school_user, subject="mfa-user"
        )


def test_a_callback_without_a_started_sign_in_is_refused(anonymous):
    answer = anonymous.get(reverse("sso:callback"), {"code": "x", "state": "y"})
    assert answer.status_code == 403
    assert "Start again from the sign-in page" in answer.content.decode()


def test_sign_out_ends_wardens_session_and_the_providers(
    provider, oidc_server, dsl, ict_manager, sign_in_through
):
    services.link_create(actor=ict_manager, provider=provider, user=dsl, subject="mfa-user")
    client = CommittingClient()
    sign_in_through(client, provider, "mfa-user")
    assert _dashboard(client) == ""
    answer = client.post(reverse("sso:sign_out"))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "You are signed out of Warden" in page
    assert f'href="{oidc_server.issuer}/session/end?' in page and "id_token_hint=" in page
    assert _dashboard(client).startswith(reverse("core:login"))


def test_the_sign_in_page_shows_a_button_per_provider(provider, anonymous):
    page = anonymous.get(reverse("core:login")).content.decode()
    assert "Sign in with Test provider" in page
    assert reverse("sso:start", kwargs={"sso_provider_pk": provider.pk}) in page
