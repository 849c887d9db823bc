"""Journey: the trust sets up single sign-on, and staff sign in through a real OpenID provider.

The provider is node's oidc-provider started on loopback (tests/oidc). The trust
administrator adds it from the menu, with its client secret in a file, and links two members
of staff to their subjects there. The technician's provider asserts MFA, so Warden asks no
second factor of its own; the teacher's signs in with a password only, so Warden's own second
factor is still asked. Someone the provider knows but Warden does not is refused with a page
that gives the reference to link. Signing out ends Warden's session, then the provider's. An
answer from the provider altered on its way back through the browser signs no one in.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import open_from_menu, sign_in
from tests.browser.server import LiveWarden
from tests.oidc.server import OidcProvider

NAME = "Trust ID"
MFA_USER = "technician.hollybank"
PASSWORD_ONLY_USER = "teacher.hollybank"


@pytest.fixture(scope="module")
def oidc_server(warden_server: LiveWarden) -> Iterator[OidcProvider]:
    server = OidcProvider(rp_url=warden_server.url, work_dir=warden_server.var_dir / "oidc")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _provider_sign_in(page: Page, login: str, server: OidcProvider) -> None:
    page.goto("/sign-in/")
    check_page(page, "sign-in with a provider")
    page.get_by_role("link", name=f"Sign in with {NAME}").click()
    page.get_by_label("Provider login").fill(login)
    page.get_by_label("Provider password").fill(server.password)
    page.get_by_role("button", name="Sign in at the provider").click()
    page.wait_for_load_state("load")


def _set_up(page: Page, warden_server: LiveWarden, server: OidcProvider) -> None:
    secret = warden_server.var_dir / "oidc-client-secret"
    secret.write_text(server.client_secret + "\n", encoding="utf-8")
    sign_in(page, warden_server, "trustadmin")
    open_from_menu(page, "Single sign-on", section="Administration")
    check_page(page, "single sign-on settings", phone=False)
    page.get_by_role("link", name="Add a provider").click()
    check_page(page, "add a sign-in provider", phone=False)
    page.locator("select[name=preset]").select_option("generic")
    page.get_by_label("Name on the sign-in button").fill(NAME)
    page.get_by_label("Issuer address").fill(server.issuer)
    page.get_by_label("Client ID").fill(server.client_id)
    page.get_by_label("Or a file holding the client secret").fill(str(secret))
    page.get_by_role("button", name="Save provider").click()
    expect(page.locator(".message.success")).to_contain_text("Sign-in provider saved")
    section = page.locator("section.card").filter(has_text=NAME)
    for username, subject in ((MFA_USER, "mfa-user"), (PASSWORD_ONLY_USER, "pwd-user")):
        row = warden_server.query_one("SELECT id FROM core_user WHERE username = ?", username)
        section.get_by_label("Warden user").select_option(str(row["id"]))
        section.get_by_label("Their reference at the provider").fill(subject)
        section.get_by_role("button", name=f"Link to {NAME}").click()
        expect(page.locator(".message.success")).to_contain_text(f"signs in through {NAME}")
        section = page.locator("section.card").filter(has_text=NAME)
    check_page(page, "single sign-on with links", phone=False)


def test_staff_sign_in_through_the_trusts_provider(
    new_page: NewPage, warden_server: LiveWarden, oidc_server: OidcProvider
) -> None:
    _set_up(new_page(), warden_server, oidc_server)

    # The provider asserted MFA: straight to the home page, no second factor from Warden.
    page = new_page()
    _provider_sign_in(page, "mfa-user", oidc_server)
    assert "/sign-in/" not in page.url, page.url
    check_page(page, "home after signing in through the provider")
    entry = warden_server.query(
        "SELECT changes FROM core_auditentry WHERE action = 'sso.signed_in' ORDER BY id DESC"
    )[0]
    assert "asserted by the provider" in entry["changes"]

    # Signing out ends Warden's session, then the provider's (it asks to confirm).
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out of Warden")).to_be_visible()
    check_page(page, "signed out of Warden")
    page.get_by_role("link", name=f"Sign out of {NAME} too").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url("**/sign-in/")
    page.goto("/")
    assert "/sign-in/" in page.url, "Warden's session outlived the sign-out"

    # A password alone at the provider: Warden still asks for its own second factor.
    page = new_page()
    _provider_sign_in(page, "pwd-user", oidc_server)
    assert "/sign-in/two-factor/" in page.url or "/sign-in/verify/" in page.url, page.url
    check_page(page, "Warden's own second factor after the provider")
    page.goto("/people/")
    assert "/sign-in/" in page.url


def test_someone_warden_does_not_know_is_refused(
    new_page: NewPage, warden_server: LiveWarden, oidc_server: OidcProvider
) -> None:
    page = new_page(phone=True)
    _provider_sign_in(page, "stranger", oidc_server)
    expect(page.get_by_role("heading", name="Warden did not sign you in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("not linked to anyone in Warden")
    expect(page.locator("code.sso-subject")).to_have_text("stranger")
    check_page(page, "sign-in refused", expected_status=403)
    page.get_by_role("link", name="Back to the sign-in page").click()
    expect(page.get_by_role("heading", name="Sign in to Warden")).to_be_visible()


def test_a_tampered_answer_from_the_provider_is_refused(
    new_page: NewPage, warden_server: LiveWarden, oidc_server: OidcProvider
) -> None:
    """The browser carries the provider's answer back to Warden: one altered on the way (a
    forged code, as an attacker replaying or guessing one would send) signs no one in."""
    page = new_page(phone=True)
    forged: list[str] = []

    def forge(route: Route) -> None:
        # The browser follows the provider's redirects without routing each hop, so take
        # them here (with the browser's cookies) until one sends it back to Warden, and
        # alter that one.
        response = route.fetch(max_redirects=0)
        location = response.headers.get("location", "")
        while location.startswith(oidc_server.issuer):
            response = page.context.request.get(location, max_redirects=0)
            location = response.headers.get("location", "")
        if "/sso/callback/" not in location:
            route.fulfill(response=response)
            return
        parts = urlsplit(location)
        query = dict(parse_qsl(parts.query))
        query["code"] = "forged-" + query.get("code", "")[::-1]
        forged.append(urlunsplit(parts._replace(query=urlencode(query))))
        route.fulfill(status=303, headers={"location": forged[-1]})

    page.route(f"{oidc_server.issuer}/**", forge)
    _provider_sign_in(page, "mfa-user", oidc_server)
    assert forged, "the provider's answer never came back through the browser"
    expect(page.get_by_role("heading", name="Warden did not sign you in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("could not check the answer")
    check_page(page, "tampered answer refused", expected_status=403)
    page.unroute(f"{oidc_server.issuer}/**")
    page.goto("/")
    assert "/sign-in/" in page.url, "a forged answer left a session behind"
