"""Journey: the office lends a laptop, the loan agreement is accepted by link, it comes back.

The office finds an in-stock laptop in the register, checks it out to a pupil with the due
date the form offers (a date box must show it, not drop it), and, as the pupil has no e-mail
address, creates a one-time link to hand over. The pupil opens it on a 390 px phone, reads
the agreement and accepts. The office then sees the laptop issued and checks it back in.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import choose_person, sign_in
from tests.browser.server import LiveWarden

SETUP = """
import json
from warden.core.models import School
from warden.equipment.models import Asset
from warden.people.services import person_create

school = School.objects.get(slug="northgate")
pupil = person_create(actor=None, school=school, fields={
    "person_type": "pupil", "first_name": "Ash", "last_name": "Loan-Journey",
    "mis_id": "JL-PUPIL", "year_group": 9, "form": "9L1"})
asset = Asset.objects.filter(
    school=school, state="in_stock", asset_type="laptop", encrypted=True).first()
print(json.dumps({"pupil": pupil.pk, "asset": asset.pk, "tag": asset.asset_tag}))
"""


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _open_asset(page: Page, tag: str, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assets").click()
    check_page(page, "assets", phone=False)
    page.get_by_label("Search").fill(tag)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile(tag)).first.click()
    check_page(page, name, phone=False)


def test_the_office_lends_a_laptop_accepted_by_link_and_checks_it_in(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    tag = made["tag"]
    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    _open_asset(page, tag, "asset")

    # The due date the form offers is in the date box, as the browser's picker reads it.
    expected_due = dt.date.today() + dt.timedelta(days=14)
    assert page.get_by_label("Due back").input_value() == expected_due.isoformat()
    choose_person(page, "Borrower", "loan-jou", "Ash Loan-Journey")
    page.get_by_label("Purpose").fill("Homework over the holiday")
    page.get_by_role("button", name="Check out").click()
    expect(page.locator(".messages")).to_contain_text("not issued")
    check_page(page, "asset checked out", phone=False)
    # The check-out leads to the loan, where the agreement is accepted.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Loan-Journey")
    page.get_by_role("button", name="Create a link").click()
    check_page(page, "loan with link", phone=False)
    link = page.locator("code.secret").inner_text().strip()
    loan = warden_server.query_one(
        "SELECT id, state, due_on FROM equipment_loan WHERE person_id = ?", made["pupil"]
    )
    assert loan["state"] == "awaiting"

    phone = new_page(phone=True)
    phone.goto(link)
    check_page(phone, "loan agreement by link", phone=True)
    expect(phone.get_by_role("main")).to_contain_text(tag)
    phone.get_by_label("Type your full name as your signature").fill("Ash Loan-Journey")
    phone.get_by_label("I have read the loan agreement above and agree to it").check()
    phone.get_by_role("button", name="I accept").click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(phone, "loan agreement accepted", phone=True)

    _open_asset(page, tag, "asset on loan")
    page.get_by_label("Condition").select_option(label="Good")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".message.success")).to_contain_text(f"{tag} checked in")
    check_page(page, "asset checked in", phone=False)
    loan = warden_server.query_one(
        "SELECT state, due_on, accepted_name, accepted_method FROM equipment_loan WHERE id = ?",
        loan["id"],
    )
    assert loan["state"] == "returned"
    assert loan["accepted_name"] == "Ash Loan-Journey"
    assert str(loan["due_on"]) == expected_due.isoformat()
