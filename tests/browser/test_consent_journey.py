"""Consent for images: a parent answers on a phone from the e-mailed link, a teacher checks
a class before publishing, the second parent's silence keeps the pupil off, and a later
withdrawal through the link e-mailed after reaches the check at once.

The journey's own family is made through the people services, as the MIS import would;
linking the parents sends the admission pack, as it does for any pupil who joins.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

FORM = "7K2"  # a form of its own, so the class list holds this journey's pupil only

SETUP = """
import json
from faker import Faker
from warden.core.models import School
from warden.people.services import person_create, guardian_link

fake = Faker("en_GB")
fake.seed_instance(20261218)
school = School.objects.get(slug="northgate")
last = fake.last_name()
def make(**fields):
    fields.setdefault("first_name", fake.first_name())
    fields.setdefault("last_name", last)
    return person_create(actor=None, school=school, fields=fields)
pupil = make(person_type="pupil", mis_id="K2-PUPIL", year_group=7, form="%(form)s")
first = make(person_type="parent", mis_id="K2-PARENT-1", email="k2.first@example.org")
second = make(person_type="parent", mis_id="K2-PARENT-2", email="k2.second@example.org")
guardian_link(actor=None, pupil=pupil, parent=first, relationship="mother")
guardian_link(actor=None, pupil=pupil, parent=second, relationship="father")
print(json.dumps({k: {"pk": p.pk, "name": p.full_name} for k, p in
                  [("pupil", pupil), ("first", first), ("second", second)]}))
""".replace("%(form)s", FORM)


@pytest.fixture(scope="module")
def family(warden_server: LiveWarden) -> dict[str, dict[str, Any]]:
    return warden_server.python(SETUP)


def _link(server: LiveWarden, to: str, subject: str) -> str:
    found = [m for m in server.mails() if to in m.to and subject in m.subject]
    assert found, f"no e-mail to {to} about {subject!r}"
    return next(link for link in found[-1].links if "/consent/answer/" in link)


def _check_class(page: Page, server: LiveWarden, pupil: str) -> str:
    """As a teacher: check the journey's pupil for the school website; the result's text."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Check before publishing"
    ).click()
    check_page(page, "check before publishing")
    page.get_by_label("Where the images will appear").select_option("website")
    page.get_by_label("Or paste a list, one pupil a line").fill(f"{pupil} ({FORM})\nNobody Here")
    page.get_by_role("button", name="Check").click()
    check_page(page, "check result")
    return page.locator(".check-result").inner_text()


def test_a_parent_answers_by_phone_and_the_check_keeps_the_pupil_off_until_both_agree(
    new_page: NewPage, warden_server: LiveWarden, family: dict[str, dict[str, Any]]
) -> None:
    pupil = family["pupil"]["name"]
    # The admission pack: the first parent opens the link on a phone.
    phone = new_page(phone=True)
    phone.goto(_link(warden_server, "k2.first@example.org", "Consent for photographs"))
    check_page(phone, "consent answers (parent, phone)")
    for purpose in ("Photographs in school displays", "School website", "Local press"):
        phone.get_by_role("group", name=purpose).get_by_label("Yes").check()
    phone.get_by_role("group", name="School social media").get_by_label("No").check()
    phone.get_by_label("Your full name").fill(family["first"]["name"])
    phone.get_by_label("These are my answers, in writing").check()
    phone.get_by_role("button", name="Send my answers").click()
    check_page(phone, "consent answers recorded (phone)")
    expect(phone.get_by_role("status")).to_contain_text("School website: yes")
    answers = warden_server.query(
        "SELECT p.slug, d.answer, d.method FROM consent_consentdecision d "
        "JOIN consent_purpose p ON p.id = d.purpose_id WHERE d.decided_by_id = ? ORDER BY p.slug",
        family["first"]["pk"],
    )
    assert {(a["slug"], a["answer"]) for a in answers} >= {
        ("website", "yes"),
        ("social-media", "no"),
    }
    assert {a["method"] for a in answers} == {"link"}

    # The teacher checks the class: one parent's yes is not enough.
    teacher = new_page()
    sign_in(teacher, warden_server, "teacher.northgate")
    result = _check_class(teacher, warden_server, pupil)
    assert f"{pupil}" in result and "Waiting for 1 of 2 parents" in result
    assert "Line 2: “Nobody Here”" in result
    assert family["first"]["name"] not in result  # teachers see why, never which parent

    # The second parent says yes to the website on a phone: the pupil may now appear.
    second = new_page(phone=True)
    second.goto(_link(warden_server, "k2.second@example.org", "Consent for photographs"))
    check_page(second, "consent answers (second parent, phone)")
    second.get_by_role("group", name="School website").get_by_label("Yes").check()
    second.get_by_label("Your full name").fill(family["second"]["name"])
    second.get_by_label("These are my answers, in writing").check()
    second.get_by_role("button", name="Send my answers").click()
    check_page(second, "second parent's answers recorded")
    result = _check_class(teacher, warden_server, pupil)
    assert "0 of 1 pupil may not appear" in result

    # Later the first parent withdraws the website through the link e-mailed after answering.
    later = new_page(phone=True)
    later.goto(_link(warden_server, "k2.first@example.org", "Your consent answers"))
    check_page(later, "change consent answers (phone)")
    later.get_by_role("group", name="School website").get_by_label("No").check()
    later.get_by_label("Your full name").fill(family["first"]["name"])
    later.get_by_label("These are my answers, in writing").check()
    later.get_by_role("button", name="Send my answers").click()
    check_page(later, "withdrawal recorded (phone)")
    expect(later.get_by_role("status")).to_contain_text("School website: withdrawn")
    result = _check_class(teacher, warden_server, pupil)
    assert "Withdrawn by a parent on" in result

    # The printable list for the class names the pupil for the website.
    teacher.get_by_role("link", name="Print a class's not-to-be-photographed list").click()
    check_page(teacher, "class list form")
    teacher.get_by_label("Class (form)").select_option(FORM)
    teacher.get_by_role("button", name="Show the list").click()
    check_page(teacher, "not-to-be-photographed list")
    website = teacher.get_by_role("region", name="School website")
    expect(website).to_contain_text(pupil)
    expect(website).to_contain_text("Withdrawn by a parent")


def test_the_office_prints_qr_slips_and_a_parent_answers_from_one(
    new_page: NewPage, warden_server: LiveWarden, family: dict[str, dict[str, Any]]
) -> None:
    """For families without e-mail: the office prints a slip per parent still to answer;
    a parent scans theirs on a phone and lands on the same answer page as the e-mail's."""
    office = new_page()
    sign_in(office, warden_server, "office.northgate")
    office.get_by_role("link", name="Ask parents who have not answered").first.click()
    check_page(office, "ask for consent")
    office.get_by_label("Form (optional)").fill(FORM)
    office.get_by_role("button", name="Print QR slips instead").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Consent slips to print")
    check_page(office, "consent QR slips")
    slips = office.locator(".qr-card")
    expect(slips.first).to_contain_text(family["pupil"]["name"])
    expect(slips.first.locator("svg")).to_be_visible()
    url = slips.first.locator(".url").inner_text().strip()
    assert "/consent/answer/" in url

    phone = new_page(phone=True)
    phone.goto(url)
    check_page(phone, "consent answers from a slip (phone)")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(family["pupil"]["name"])
