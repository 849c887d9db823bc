"""The page checks catch what they promise to, naming the page and the element."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main>
<h1>Bad page</h1>
<p><a href="#x" style="color:#fff">white link</a></p>
<div style="background:#fafafa">
<button style="color:#ddd;background:transparent">pale</button></div>
<input id="twice" aria-label="one" aria-describedby="nowhere"><input id="twice" aria-label="two">
<div style="width:700px">wide</div>
<script>console.error("boom")</script>
</main></body></html>"""


def test_check_page_names_each_problem_and_element(new_page: NewPage) -> None:
    page = new_page(phone=True)
    page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as failure:
        check_page(page, "a bad page")
    report = str(failure.value)
    assert "The page 'a bad page'" in report
    assert 'contrast 1.00:1 (below 4.5:1) of <a> "white link"' in report
    assert '<button> "pale"' in report
    assert 'aria-describedby="nowhere"' in report
    assert 'id "twice" is used by 2 elements' in report
    assert "scrolls sideways at 390 px" in report and "<div> 700 px wide" in report
    assert "console error: boom" in report


def test_a_clean_page_passes(new_page: NewPage) -> None:
    page = new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Fine</title></head><body><main>'
        '<h1>Fine</h1><p><a href="#x" style="color:#0b4f8a">A dark blue link</a></p>'
        "</main></body></html>"
    )
    check_page(page, "a clean page")


def test_office_signs_in_to_the_live_server(new_page: NewPage, warden_server: LiveWarden) -> None:
    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "dashboard (office)")
    assert warden_server.query_one(
        "SELECT count(*) AS n FROM core_user WHERE username = ?", "office.northgate"
    ) == {"n": 1}


def test_a_content_security_policy_violation_fails_the_check(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    page.goto("/sign-in/")
    # axe itself runs under the page's own policy...
    check_page(page, "sign-in")
    # ...while a script the policy forbids is reported, as it would be from Warden's pages.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inline = 1'; document.body.append(s); }"
    )
    with pytest.raises(AssertionError, match="Content Security Policy"):
        check_page(page, "sign-in with an inline script")
