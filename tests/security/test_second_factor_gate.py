"""Before the second factor, only signing out and the second factor itself are reachable.

A stolen password must buy nothing: not a page, not a form, not the password change
(security issue, item 5: POST /password/ with a password-only session changed the
password). The test walks every URL pattern of the project with GET and POST.
"""

from __future__ import annotations

import uuid

from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.models import User
from warden.testing.factories import PASSWORD
from warden.testing.urls import all_url_patterns

# Reachable with a password alone: the second factor pages (a code or a backup code at
# verify, enrolment at setup), signing out, and the load balancer's health check.
OPEN_BEFORE_SECOND_FACTOR = {"core:logout", "core:otp_verify", "core:otp_setup", "core:healthz"}


def _some_url(name: str, pattern: URLPattern) -> str:
    kwargs: dict[str, object] = {}
    for keyword, converter in pattern.pattern.converters.items():
        if isinstance(converter, IntConverter):
            kwargs[keyword] = 1
        elif isinstance(converter, UUIDConverter):
            kwargs[keyword] = uuid.UUID(int=1)
        else:
            kwargs[keyword] = "x"
    return reverse(name, kwargs=kwargs)


def _password_only(user: User) -> Client:
    client = Client()
    response = client.post(reverse("core:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _walk(client: Client, second_factor_page: str) -> list[str]:
    leaks = []
    patterns = all_url_patterns()
    assert len(patterns) > 50
    for name, pattern in patterns:
        if name in OPEN_BEFORE_SECOND_FACTOR:
            continue
        url = _some_url(name, pattern)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            location = response.get("Location", "")
            if response.status_code != 302 or not location.startswith(second_factor_page):
                leaks.append(f"{method.upper()} {url} ({name}): {response.status_code} {location}")
    return leaks


def test_a_password_alone_reaches_nothing_but_the_second_factor(dsl):
    TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    leaks = _walk(_password_only(dsl), reverse("core:otp_verify"))
    assert not leaks, "\n".join(leaks)


def test_a_password_alone_reaches_nothing_but_enrolment_before_an_authenticator(ict_manager):
    leaks = _walk(_password_only(ict_manager), reverse("core:otp_setup"))
    assert not leaks, "\n".join(leaks)


def _try_password_change(dsl: User):
    """Sign in with the password only and try to change it; the password must stay."""
    TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    new = "Kestrel-Meadow-81"
    response = _password_only(dsl).post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    dsl.refresh_from_db()
    assert dsl.check_password(PASSWORD)
    return response


def test_the_password_cannot_be_changed_before_the_second_factor(dsl):
    response = _try_password_change(dsl)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:otp_verify"))


def test_the_password_page_itself_refuses_a_password_only_session(dsl, settings):
    """Without the guard in front (a middleware reordered or removed), the page still says no."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "warden.core.middleware.SignInGuardMiddleware"
    ]
    assert _try_password_change(dsl).status_code == 403


def test_a_temporary_password_is_changed_after_the_second_factor(dsl, client_for):
    dsl.must_change_password = True
    dsl.save()
    client = client_for(dsl)
    assert client.get(reverse("core:dashboard"))["Location"] == reverse("core:password_change")
    assert client.get(reverse("core:password_change")).status_code == 200
