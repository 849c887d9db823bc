"""The single sign-on settings: who may set up a provider and link users, and no further."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.core.roles import Role
from warden.sso import services
from warden.sso.models import Provider, ProviderLink
from warden.testing.factories import UserFactory, member

pytestmark = pytest.mark.django_db

FORM = {
    "preset": "entra",
    "name": "Microsoft",
    "issuer": "0e1f2d3c-aaaa-bbbb-cccc-123456789abc",
    "client_id": "app-id",
    "client_secret_env": "WARDEN_ENTRA_SECRET",
    "staff_domain": "oakfield.example",
    "enabled": "on",
}


def test_the_ict_manager_sets_up_entra_id_for_the_school(ict_manager, school, client_for):
    client = client_for(ict_manager)
    assert client.get(reverse("sso:settings")).status_code == 200
    assert client.get(reverse("sso:provider_add")).status_code == 200
    answer = client.post(reverse("sso:provider_add"), FORM)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    provider = Provider.objects.get()
    assert provider.school == school
    assert provider.issuer == (
        "https://login.microsoftonline.com/0e1f2d3c-aaaa-bbbb-cccc-123456789abc/v2.0"
    )
    assert AuditEntry.objects.filter(action="sso.provider_added").exists()
    page = client.get(reverse("sso:settings")).content.decode()
    assert "Microsoft" in page and "/sso/callback/" in page


def test_the_shared_entra_tenant_is_refused(ict_manager, client_for):
    answer = client_for(ict_manager).post(
        reverse("sso:provider_add"), {**FORM, "issuer": "organizations"}
    )
    assert answer.status_code == 200
    assert "shared common and organizations" in answer.content.decode()
    assert not Provider.objects.exists()


def test_a_provider_needs_a_place_for_its_secret(ict_manager, client_for):
    answer = client_for(ict_manager).post(
        reverse("sso:provider_add"), {**FORM, "client_secret_env": ""}
    )
    assert "Name an environment variable or a file" in answer.content.decode()


def test_google_needs_no_issuer(ict_manager, client_for):
    client_for(ict_manager).post(
        reverse("sso:provider_add"), {**FORM, "preset": "google", "issuer": ""}
    )
    assert Provider.objects.get().issuer == "https://accounts.google.com"


def test_a_teacher_may_not_open_the_settings(teacher, client_for):
    assert client_for(teacher).get(reverse("sso:settings")).status_code == 403


def test_another_schools_provider_and_link_are_not_found(ict_manager, other_school, client_for):
    from warden.sso.tests.object_makers import make_link, make_provider

    client = client_for(ict_manager)
    pk = make_provider(other_school)
    assert client.get(reverse("sso:provider_edit", args=[pk])).status_code == 404
    assert client.post(reverse("sso:link_add", args=[pk]), {}).status_code == 404
    link_pk = make_link(other_school)
    assert client.post(reverse("sso:link_remove", args=[link_pk])).status_code == 404


def test_only_a_trust_administrator_changes_the_trusts_provider(ict_manager, school, client_for):
    admin = UserFactory.create(username="trustadmin")
    member(admin, None, Role.TRUST_ADMIN, trust=school.trust)
    provider = services.provider_create(
        actor=admin, trust=school.trust, school=None, fields={**FORM, "enabled": True}
    )
    url = reverse("sso:provider_edit", args=[provider.pk])
    assert client_for(ict_manager).get(url).status_code == 403
    assert client_for(admin).get(url).status_code == 200
    page = client_for(ict_manager).get(reverse("sso:settings")).content.decode()
    assert "only a trust administrator can change it" in page


def test_linking_and_unlinking_a_user(ict_manager, teacher, school, client_for):
    provider = services.provider_create(
        actor=ict_manager, trust=school.trust, school=school, fields={**FORM, "enabled": True}
    )
    client = client_for(ict_manager)
    prefix = f"p{provider.pk}"
    client.post(
        reverse("sso:link_add", args=[provider.pk]),
        {f"{prefix}-user": teacher.pk, f"{prefix}-subject": "abc-123"},
    )
    link = ProviderLink.objects.get()
    assert (link.user, link.subject, link.linked_by) == (teacher, "abc-123", ict_manager)
    assert "abc-123" in client.get(reverse("sso:settings")).content.decode()
    client.post(reverse("sso:link_remove", args=[link.pk]))
    assert not ProviderLink.objects.exists()
    assert AuditEntry.objects.filter(action__in=["sso.linked", "sso.unlinked"]).count() == 2


def test_linking_a_user_the_actor_could_not_reset_is_refused(
    ict_manager, headteacher, school, client_for
):
    provider = services.provider_create(
        actor=ict_manager, trust=school.trust, school=school, fields={**FORM, "enabled": True}
    )
    prefix = f"p{provider.pk}"
    answer = client_for(ict_manager).post(
        reverse("sso:link_add", args=[provider.pk]),
        {f"{prefix}-user": headteacher.pk, f"{prefix}-subject": "head-1"},
    )
    assert answer.status_code == 403
    assert not ProviderLink.objects.exists()
