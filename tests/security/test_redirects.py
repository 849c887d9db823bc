"""Every redirect target taken from a request stays on Warden.

Security issue, item 4: ``/sign-in/?next=/sign-in/verify/%3Fnext%3Dhttps://evil.example/``
sent the user to evil.example after the second factor, and ``next=javascript:alert(1)``
gave a 500. All such targets now go through ``warden.core.redirects.is_safe_next``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.redirects import is_safe_next
from warden.testing.factories import PASSWORD

HOSTILE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/%2F%2Fevil.example/",
    "/%5Cevil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:/evil.example",
    "https:evil.example",
    "/sign-in/verify/?next=https://evil.example/",
    "/sign-in/verify/%3Fnext%3Dhttps://evil.example/",
    "/sign-in/verify/?next=/sign-in/verify/%3Fnext%3D//evil.example/",
    "/people/\r\nLocation: https://evil.example/",
    "/people/\x00",
    "people/",
    "",
]
SAFE = ["/", "/people/", "/people/?q=smith&page=2", "/sign-in/verify/?next=/people/"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_targets_are_refused(value):
    assert not is_safe_next(value)


@pytest.mark.parametrize("value", SAFE)
def test_pages_of_warden_are_allowed(value):
    assert is_safe_next(value)


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _is_local(location: str) -> bool:
    return location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_the_issues_chain_ends_on_warden_after_the_second_factor(dsl):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    url = "/sign-in/?next=/sign-in/verify/%3Fnext%3Dhttps://evil.example/"
    response = client.post(url, {"username": "dsl", "password": PASSWORD})
    assert response.status_code == 302
    location = response["Location"]
    assert _is_local(location)
    # And a link straight to the second factor with the outside target ends on Warden too.
    response = client.post("/sign-in/verify/?next=https://evil.example/", {"token": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_in_never_sends_the_browser_away(teacher, value):
    response = Client().post(
        reverse("core:login"), {"username": "teacher", "password": PASSWORD, "next": value}
    )
    assert response.status_code == 302
    assert _is_local(response["Location"]), response["Location"]


@pytest.mark.parametrize("value", HOSTILE)
def test_the_second_factor_never_sends_the_browser_away(dsl, value):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    client.post(reverse("core:login"), {"username": "dsl", "password": PASSWORD})
    response = client.post(
        reverse("core:otp_verify"), {"token": _code(device)}, QUERY_STRING=_query(value)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_out_never_sends_the_browser_away(teacher, client_for, value):
    response = client_for(teacher).post(reverse("core:logout"), {"next": value})
    assert response.status_code == 302
    assert _is_local(response["Location"]), response["Location"]


def test_a_safe_next_is_kept_through_sign_in_and_the_second_factor(dsl):
    device = TOTPDevice.objects.create(user=dsl, name="phone", confirmed=True)
    client = Client()
    client.post(reverse("core:login"), {"username": "dsl", "password": PASSWORD})
    held = client.get(reverse("people:list"))["Location"]
    response = client.post(held, {"token": _code(device)})
    assert response["Location"] == reverse("people:list")


def _query(value: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": value})


# The buttons elsewhere that return to the page they were pressed on.


def test_triage_returns_only_to_warden(school, dsl, client_for):
    for value in ("//evil.example/", "/sign-in/verify/?next=https://evil.example/"):
        response = client_for(dsl).post(reverse("incidents:triage_act"), {"next": value})
        assert response.status_code == 302
        assert response["Location"] == reverse("incidents:triage")


def test_account_buttons_return_only_to_warden(school, headteacher, client_for):
    from warden.accounts.tests.object_makers import make_account

    account_pk = make_account(school)
    url = reverse("accounts:account_approve", kwargs={"account_pk": account_pk})
    response = client_for(headteacher).post(
        url, {"next": "/sign-in/verify/?next=https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_loan_check_in_returns_only_to_warden(school, headteacher, client_for):
    from warden.equipment.tests.object_makers import _loan

    loan_pk = _loan(school)
    url = reverse("equipment:loan_check_in", kwargs={"loan_pk": loan_pk})
    response = client_for(headteacher).post(
        url, {"next": "/sign-in/verify/?next=https://evil.example/", "condition": "good"}
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


NEXT_READ = re.compile(r"""\.get\(\s*["']next["'][^)]*\)(?!\s*==)""")


def test_no_view_reads_a_redirect_target_without_the_check():
    """A new ``next`` or Referer redirect must use ``safe_next``; this finds one that does not."""
    root = Path(__file__).resolve().parents[2] / "warden"
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "redirects.py":
            continue
        text = path.read_text()
        # ``.get("next") == "person"`` picks a page by keyword; it is not a target.
        reads_target = bool(NEXT_READ.search(text)) or "HTTP_REFERER" in text
        if reads_target and "safe_next(" not in text:
            offenders.append(str(path.relative_to(root)))
        if "url_has_allowed_host_and_scheme" in text:
            offenders.append(f"{path.relative_to(root)} (its own check)")
    assert not offenders, offenders
