"""Journey: the audit trail reads as sentences, and shows each reader only their entries.

A headteacher opens the audit trail from the menu and searches for a pupil: the change to the
pupil reads as a sentence with names and a dd/mm/yyyy date, with no stored codes. A look at the
list of welfare concerns is in the trail too, but only the DSL sees it: the headteacher's
search for it finds nothing. The page is checked on a 390 px phone as well.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

SETUP = """
import json
from warden.core.audit import audit_log
from warden.core.models import School, User
from warden.people.services import person_create

school = School.objects.get(slug="northgate")
head = User.objects.get(username="head.northgate")
dsl = User.objects.get(username="dsl.northgate")
pupil = person_create(actor=None, school=school, fields={
    "person_type": "pupil", "first_name": "Briar", "last_name": "Audit-Journey",
    "mis_id": "AJ-PUPIL", "year_group": 8, "form": "8A1"})
audit_log(actor=head, action="person.updated", obj=pupil,
          changes={"leaving_date": [None, "2027-07-20"]})
audit_log(actor=dsl, action="welfare_concerns.listed", school=school,
          changes={"status": [None, "open"]})
print(json.dumps({"head": head.get_full_name(), "dsl": dsl.get_full_name()}))
"""
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\.[a-z_]+\b|\b[a-z]+\.[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _search(page: Page, words: str, name: str, *, phone: bool = False) -> None:
    page.get_by_label("Search").fill(words)
    page.get_by_role("button", name="Filter").click()
    # htmx swaps the results in; the form is faded while it asks.
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(page.locator(".htmx-request")).to_have_count(0)
    check_page(page, name, phone=phone)


def _open_trail(page: Page, *, phone: bool = False) -> None:
    if phone:
        page.goto("/audit/")
    else:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    check_page(page, "audit trail", phone=phone)


def test_the_trail_reads_as_sentences_and_hides_what_a_reader_may_not_see(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "head.northgate")
    _open_trail(page)
    table = page.locator("#results table")
    assert not CODE.search(table.inner_text()), "a stored action code is on the audit page"

    _search(page, "Audit-Journey", "audit trail, searched for a pupil")
    expect(table).to_contain_text(f"{made['head']} changed Briar Audit-Journey's details")
    expect(table).to_contain_text("Leaving date: 20/07/2027")
    _search(page, "welfare concerns", "audit trail, searched for welfare concerns")
    expect(table).not_to_contain_text("list of welfare concerns")
    expect(table.locator("caption")).to_have_text("0 entries")

    dsl = new_page()
    sign_in(dsl, warden_server, "dsl.northgate")
    _open_trail(dsl)
    _search(dsl, "welfare concerns", "audit trail of the DSL")
    expect(dsl.locator("#results table")).to_contain_text(
        f"{made['dsl']} read the list of welfare concerns"
    )

    phone = new_page(phone=True)
    sign_in(phone, warden_server, "head.northgate", phone=True)
    _open_trail(phone, phone=True)
    _search(phone, "Audit-Journey", "audit trail on a phone", phone=True)
    expect(phone.locator("#results table")).to_contain_text("Briar Audit-Journey's details")
