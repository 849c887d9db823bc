"""Journey: a teacher on a 390 px phone looks up who has signed the staff agreement.

The list reads the stored standings (one query, a page at a time): the teacher searches for a
colleague by surname and narrows the list to those still due, each step swapping the results
in place; no record button is offered to a teacher.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden
from tests.browser.test_journey_teacher_governor_trust import _settled


def test_a_teacher_searches_the_staff_signer_list_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    staff = warden_server.query(
        "SELECT p.last_name FROM agreements_storedstanding s "
        "JOIN people_person p ON p.id = s.person_id JOIN core_school c ON c.id = s.school_id "
        "WHERE c.slug = 'northgate' AND s.audience = 'staff' ORDER BY p.last_name"
    )
    assert staff, "the demo's stored standings are filled when it loads"
    surname = staff[0]["last_name"]

    phone = new_page(phone=True)
    sign_in(phone, warden_server, "teacher.northgate", phone=True)
    phone.goto("/agreements/")
    check_page(phone, "agreements")
    row = phone.get_by_role("row").filter(has_text="Staff acceptable-use agreement")
    row.get_by_role("link", name="Who has signed").click()
    phone.wait_for_load_state("load")
    results = phone.locator("#results")
    expect(results.locator("caption")).to_contain_text(re.compile(r"\d+ (person|people)"))
    expect(phone.get_by_role("link", name="E-mail signing links")).to_have_count(0)
    check_page(phone, "who has signed the staff agreement")

    phone.get_by_label("Search").fill(surname)
    phone.get_by_role("button", name="Filter").click()
    expect(phone).to_have_url(re.compile(r"q="))
    _settled(phone)
    expect(results.get_by_role("link", name=re.compile(re.escape(surname)))).not_to_have_count(0)
    check_page(phone, "staff signer list, searched")

    phone.get_by_label("Search").fill("")
    phone.get_by_label("Status").select_option(label="Due")
    expect(phone).to_have_url(re.compile(r"status=due"))
    _settled(phone)
    expect(results.locator("caption")).to_contain_text(re.compile(r"\d+ (person|people)"))
    expect(results.locator(".badge", has_text="Current")).to_have_count(0)
    check_page(phone, "staff signer list, those due")
