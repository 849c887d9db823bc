"""On a phone a wide table scrolls inside its own box, and that box can be reached and
scrolled with the keyboard (axe's scrollable-region-focusable), as governors read the
termly report and the filtering evidence, and teachers the guest Wi-Fi log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

PAGES = [
    ("governor.northgate", "/incidents/reports/termly/"),
    ("governor.northgate", "/filtering/evidence/"),
    ("governor.northgate", "/filtering/changes/"),
    ("teacher.northgate", "/equipment/wifi/"),
    ("trustadmin", "/"),
    ("ictmanager.northgate", "/filtering/health/"),
]


@pytest.mark.parametrize(("username", "path"), PAGES)
def test_a_wide_table_on_a_phone_is_a_named_scrolling_region(
    new_page: NewPage, warden_server: LiveWarden, username: str, path: str
) -> None:
    page = new_page(phone=True)
    sign_in(page, warden_server, username)
    page.goto(warden_server.url + path)
    check_page(page, f"{path} ({username})")
    scrolling = page.locator(".table-wrap[role=region]")
    on_phone = scrolling.count()
    assert on_phone >= 1, "no table on this page is wider than a phone any more"
    first = scrolling.first
    expect(first).to_have_attribute("tabindex", "0")
    assert "(scrolls sideways)" in (first.get_attribute("aria-label") or "")
    first.focus()
    expect(first).to_be_focused()
    # At a desk the same page has fewer boxes too narrow for their table.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(300)
    assert page.locator(".table-wrap[role=region]").count() < on_phone
