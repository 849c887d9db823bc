"""A real OpenID provider (node's oidc-provider, tests/oidc) for the single sign-on tests,
and helpers that walk a sign-in through it as a browser would."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.oidc.server import OidcProvider
from warden.core.models import School, User
from warden.sso import services
from warden.sso.models import Provider

EMAILS = {"mfa-user": "mfa.user@oakfield.example", "pwd-user": "pwd.user@oakfield.example"}
UID = re.compile(r"/interaction/([^/\"]+)/login")


@pytest.fixture(scope="package")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    server = OidcProvider(
        rp_url=settings.WARDEN_BASE_URL,
        work_dir=tmp_path_factory.mktemp("oidc-provider"),
        emails=EMAILS,
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def provider(
    oidc_server: OidcProvider, school: School, ict_manager: User, tmp_path: Path
) -> Provider:
    secret = tmp_path / "client-secret"
    secret.write_text(oidc_server.client_secret + "\n", encoding="utf-8")
    return services.provider_create(
        actor=ict_manager,
        trust=school.trust,
        school=school,
        fields={
            "preset": "generic",
            "name": "Test provider",
            "issuer": oidc_server.issuer,
            "client_id": oidc_server.client_id,
            "client_secret_file": str(secret),
            "enabled": True,
        },
    )


@pytest.fixture
def sign_in_through(oidc_server: OidcProvider) -> Callable[[Client, Provider, str], object]:
    """``sign_in_through(client, provider, login)``: start at Warden, sign in at the provider
    as ``login``, and return Warden's answer to the provider's redirect back."""

    def walk(client: Client, provider: Provider, login: str) -> object:
        started = client.get(reverse("sso:start", kwargs={"sso_provider_pk": provider.pk}))
        assert started.status_code == 302, started.content[:500]
        browser = requests.Session()
        form = browser.get(started["Location"], timeout=10)
        uid = UID.search(form.text)
        assert uid, form.text[:500]
        answer = browser.post(
            f"{oidc_server.issuer}/interaction/{uid.group(1)}/login",
            data={"login": login, "password": oidc_server.password},
            allow_redirects=False,
            timeout=10,
        )
        location = answer.headers["Location"]
        while not location.startswith(settings.WARDEN_BASE_URL):
            answer = browser.get(
                urljoin(oidc_server.issuer, location), allow_redirects=False, timeout=10
            )
            location = answer.headers["Location"]
        return client.get(location[len(settings.WARDEN_BASE_URL) :])

    return walk
