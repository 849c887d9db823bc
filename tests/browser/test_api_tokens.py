"""Journey: the ICT manager gives the MIS a token for the API, and later revokes it.

On a phone, the ICT manager makes a token on Account settings with two things ticked and a
90-day expiry, copies it from the page that shows it once, and reads the API page. The MIS
(here: plain HTTP to the running server) reads the register with it, is refused the
accounts it was not given, and is shut out once the token is revoked.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import open_from_menu, sign_in
from tests.browser.server import LiveWarden

NAME = "MIS feed (journey)"


def _call(server: LiveWarden, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 (the test server on loopback)
        f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_the_ict_manager_makes_a_scoped_token_and_revokes_it(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    ict = new_page(phone=True)
    sign_in(ict, warden_server, "ictmanager.hollybank", phone=True)
    open_from_menu(ict, "Account settings", section="Administration")
    check_page(ict, "account settings, tokens")
    ict.get_by_label("System that will use the token").fill(NAME)
    ict.get_by_label("Read people").check()
    ict.get_by_label("Check whether a site is blocked").check()
    ict.get_by_label("Expires after").select_option(label="90 days")
    ict.get_by_role("button", name="Make a token").click()
    expect(ict.get_by_role("heading", name=f"Token for {NAME}")).to_be_visible()
    check_page(ict, "token shown once")
    token = ict.locator("code.hash").inner_text().strip()
    assert token.startswith("wdn_")
    expect(ict.locator("main")).to_contain_text(
        "It may: Check whether a site is blocked; Read people"
    )

    status, body = _call(warden_server, "/people?page_size=5", token)
    assert status == 200 and body["count"] > 0 and len(body["items"]) == 5
    status, body = _call(warden_server, "/accounts", token)
    assert status == 403 and "Read accounts and their state" in body["message"]

    ict.get_by_role("link", name="API page").click()
    expect(ict.get_by_role("heading", name="Warden API, version 1")).to_be_visible()
    expect(ict.locator("main")).to_contain_text("GET /api/v1/people")
    check_page(ict, "API docs")

    open_from_menu(ict, "Account settings", section="Administration")
    item = ict.get_by_role("listitem").filter(has_text=NAME)
    expect(item).to_contain_text("May: Check whether a site is blocked; Read people")
    item.get_by_role("button", name="Revoke").click()
    expect(ict.get_by_role("listitem").filter(has_text=NAME)).to_contain_text("revoked")
    status, body = _call(warden_server, "/people", token)
    assert status == 401 and "was revoked" in body["message"]
