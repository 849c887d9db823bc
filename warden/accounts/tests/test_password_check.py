"""The password check: ``warden password-check`` and the HTTP endpoint for other systems."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import ApiToken
from warden.cli import main as warden
from warden.core.models import AuditEntry

pytestmark = pytest.mark.django_db

GOOD = "Blue-Kettle-Morning-84"


def _check(monkeypatch, candidate: str, slug: str = "oakfield") -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(candidate + "\n"))
    warden(["password-check", "--school", slug])


def test_an_acceptable_password_exits_0(school, monkeypatch, capsys):
    _check(monkeypatch, GOOD)
    assert "Acceptable" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("candidate", "rule"),
    [
        ("Ab1", "at least 8 characters"),
        ("alllowercase1", "Mix upper and lower case"),
        ("NoDigitsHere", "number or symbol"),
        ("Password1", "most common passwords"),
    ],
)
def test_a_refused_password_exits_non_zero_naming_the_rule(
    school, monkeypatch, capsys, candidate, rule
):
    with pytest.raises(SystemExit) as exited:
        _check(monkeypatch, candidate)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert rule in err
    assert candidate not in err


def test_the_school_policy_applies(school, monkeypatch):
    school.password_min_length = 24
    school.save()
    with pytest.raises(SystemExit):
        _check(monkeypatch, GOOD)


def test_a_breached_password_list_is_used_when_configured(school, monkeypatch, tmp_path, settings):
    import hashlib

    listed = tmp_path / "breached.txt"
    sha1 = hashlib.sha1(b"Sunny-Garden-2019", usedforsecurity=False).hexdigest().upper()
    listed.write_text(f"Plain-Listed-55\n{sha1}:1234\n", encoding="utf-8")
    settings.WARDEN_BREACHED_PASSWORDS_FILE = str(listed)
    for candidate in ("Plain-Listed-55", "Sunny-Garden-2019"):
        with pytest.raises(SystemExit):
            _check(monkeypatch, candidate)
    _check(monkeypatch, GOOD)


def test_an_unknown_school_is_an_error(db):
    with pytest.raises(CommandError, match="No school"):
        from django.core.management import call_command

        call_command("password_check", school="nowhere")


def test_the_endpoint_answers_another_system_with_a_token(school, ict_manager, client):
    token, raw = services.api_token_create(actor=ict_manager, school=school, name="MIS")
    stored = ApiToken.objects.get()
    assert stored.token_hash != raw and raw not in stored.prefix
    url = reverse("api:password_check")
    response = client.post(url, {"password": "short"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    body = response.json()
    assert body["acceptable"] is False and any("at least 8" in p for p in body["problems"])
    response = client.post(
        url,
        json.dumps({"password": GOOD}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.json()["acceptable"] is True
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Never in the audit trail.
    assert not AuditEntry.objects.filter(changes__icontains="short").exists()
    assert GOOD not in json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_the_endpoint_refuses_without_a_valid_token(school, ict_manager, client):
    url = reverse("api:password_check")
    assert client.post(url, {"password": GOOD}).status_code == 401
    assert client.post(url, {"password": GOOD}, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    token, raw = services.api_token_create(actor=ict_manager, school=school, name="MIS")
    services.api_token_revoke(actor=ict_manager, token=token)
    assert (
        client.post(url, {"password": GOOD}, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    )
    assert client.get(url).status_code == 405


def test_a_signed_in_user_may_call_the_endpoint_and_the_page(school, teacher, client_for):
    client = client_for(teacher)
    response = client.post(reverse("api:password_check"), {"password": "alllower"})
    assert response.status_code == 200 and response.json()["acceptable"] is False
    page = client.post(reverse("accounts:password_check"), {"password": "alllower"})
    assert b"Mix upper and lower case letters" in page.content


def test_tokens_are_made_and_revoked_on_the_settings_page(school, ict_manager, teacher, client_for):
    client = client_for(ict_manager)
    response = client.post(
        reverse("accounts:token_create"),
        {"name": "Library system", "scopes": ["dashboard.view", "people.view"], "lifetime": "90"},
    )
    token = ApiToken.objects.get()
    assert response.context["raw"].startswith(token.prefix)
    assert token.scopes == ["dashboard.view", "people.view"]
    assert token.expires_at is not None and 89 <= (token.expires_at - token.created_at).days <= 90
    assert b"Read people" in response.content
    settings_page = client.get(reverse("accounts:settings"))
    assert response.context["raw"].encode() not in settings_page.content  # shown once only
    client.post(reverse("accounts:token_revoke", kwargs={"token_pk": token.pk}))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_for(teacher).get(reverse("accounts:settings")).status_code == 403


def test_the_token_page_refuses_a_scope_the_maker_lacks(school, ict_manager, client_for):
    client = client_for(ict_manager)
    response = client.post(
        reverse("accounts:token_create"),
        {"name": "Safeguarding", "scopes": ["incidents.view"], "lifetime": "30"},
        follow=True,
    )
    assert not ApiToken.objects.exists()
    assert "does not allow" in response.content.decode()
