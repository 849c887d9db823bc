"""HTTP security headers: a strict Content-Security-Policy and Permissions-Policy on every
answer, HSTS and the HTTPS redirect when Warden is served securely, and pages with nothing
inline for the policy to forbid."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from warden.agreements.models import Audience
from warden.agreements.services import link_url, signing_link_create
from warden.agreements.testing import published_version
from warden.testing.factories import PersonFactory
from warden.testing.pages import inline_code


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()
    }


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.fixture
def signing_page(school) -> str:
    person = PersonFactory.create(school=school, email="signer@example.org")
    version = published_version(school, Audience.STAFF)
    _link, token = signing_link_create(actor=None, person=person, version=version)
    return link_url(token, root="")


def test_public_pages_carry_the_strict_policy_and_nothing_inline(school, signing_page):
    anonymous = Client()
    for url in [
        reverse("core:login"),
        reverse("monitoring:filter_blocked", kwargs={"school_slug": school.slug})
        + "?url=http%3A%2F%2Fexample.com%2F&category=adult",
        signing_page,
    ]:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        _assert_strict(response)
        assert not inline_code(response.content.decode()), url


def test_signed_in_pages_and_htmx_partials_carry_the_policy(headteacher, client_for):
    client = client_for(headteacher)
    page = client.get(reverse("core:dashboard"))
    _assert_strict(page)
    assert not inline_code(page.content.decode())
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page.content.decode())
    assert config
    assert json.loads(config.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        # A filtered list's results replace their own element, never nest inside it.
        "defaultSwapStyle": "outerHTML",
    }
    assert 'src="/static/core/warden.js"' in page.content.decode()
    partial = client.get(reverse("core:audit_list"), HTTP_HX_REQUEST="true")
    _assert_strict(partial)


def test_errors_and_redirects_carry_the_policy_too(anonymous):
    missing = anonymous.get("/no-such-page/")
    assert missing.status_code == 404
    _assert_strict(missing)
    sent_to_sign_in = anonymous.get(reverse("core:dashboard"))
    assert sent_to_sign_in.status_code == 302
    _assert_strict(sent_to_sign_in)


def test_plain_http_is_served_without_hsts_by_default(db, anonymous):
    response = anonymous.get(reverse("core:login"))
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_secure_mode_redirects_to_https_and_sends_hsts(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    plain = client.get(reverse("core:login"))
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/sign-in/"
    secure = client.get(reverse("core:login"), secure=True)
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # A load balancer's health check over plain HTTP is not redirected.
    assert client.get(reverse("core:healthz")).status_code == 200


def test_behind_a_proxy_its_https_header_counts_as_secure(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 60
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    response = client.get(reverse("core:login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=60"
    assert client.get(reverse("core:login"), HTTP_X_FORWARDED_PROTO="http").status_code == 301


def _settings_with(tmp_path, **env: str) -> dict[str, object]:
    code = (
        "import json, warden.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', "
        "'SECURE_PROXY_SSL_HEADER', 'MIDDLEWARE']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("WARDEN_", "SECRET_KEY"))}
    result = subprocess.run(  # noqa: S603 (our own interpreter and fixed code)
        [sys.executable, "-c", code],
        env={**clean, "WARDEN_VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout))


def test_warden_secure_cookies_turns_on_hsts_and_the_redirect(tmp_path):
    plain = _settings_with(tmp_path)
    assert plain["SECURE_SSL_REDIRECT"] is False and plain["SECURE_HSTS_SECONDS"] == 0
    assert "warden.core.headers.SecurityHeadersMiddleware" in plain["MIDDLEWARE"]  # type: ignore[operator]
    secure = _settings_with(
        tmp_path, WARDEN_SECURE_COOKIES="true", WARDEN_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert secure["SECURE_SSL_REDIRECT"] is True
    assert secure["SECURE_HSTS_SECONDS"] == 31536000
    assert secure["SESSION_COOKIE_SECURE"] is True
    assert secure["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
