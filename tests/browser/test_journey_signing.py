"""Journey 1: signing acceptable-use agreements, by e-mailed link, QR card, desk and paper.

A parent on a 390×844 phone opens the signing link the school e-mailed, reads, ticks and
signs their own agreement, then counter-signs their child's; the child signs from the QR
card of a class sheet; the office records a desk signature and a paper form with its scan.
Everyone clicks; the only addresses typed are the sign-in page and links from e-mails (a
QR card is a link the pupil's camera opens).
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

SCHOOL = "Northgate Academy"
FORM = "7J1"  # a form of its own, so the class QR sheet holds this journey's pupil only

# People of the journey's own, made through the people services like any other record.
SETUP = """
import json
from faker import Faker
from warden.core.models import School
from warden.people.services import person_create, guardian_link

fake = Faker("en_GB")
fake.seed_instance(20261207)
school = School.objects.get(slug="northgate")
def make(**fields):
    fields.setdefault("first_name", fake.first_name())
    fields.setdefault("last_name", fake.last_name())
    return person_create(actor=None, school=school, fields=fields)
pupil = make(person_type="pupil", mis_id="J1-PUPIL", year_group=7, form="%(form)s")
parent = make(person_type="parent", mis_id="J1-PARENT", last_name=pupil.last_name,
              email="j1.parent@example.org", title="Mx")
guardian_link(actor=None, pupil=pupil, parent=parent, relationship="parent")
desk = make(person_type="support_staff", mis_id="J1-DESK", job_title="Lunchtime supervisor")
paper = make(person_type="volunteer", mis_id="J1-PAPER")
print(json.dumps({k: {"pk": p.pk, "name": p.full_name, "first": p.first_name, "last": p.last_name}
                  for k, p in [("pupil", pupil), ("parent", parent), ("desk", desk),
                               ("paper", paper)]}))
""".replace("%(form)s", FORM)


@pytest.fixture(scope="module")
def people(warden_server: LiveWarden) -> dict[str, dict[str, Any]]:
    return warden_server.python(SETUP)


def signatures(server: LiveWarden, person_pk: int) -> list[dict[str, Any]]:
    return server.query(
        "SELECT s.id, s.method, s.typed_name, s.counter_signs_id, s.scan_sha256, a.audience "
        "FROM agreements_signature s JOIN agreements_agreement a ON a.id = s.agreement_id "
        "WHERE s.person_id = ? ORDER BY s.id",
        person_pk,
    )


def open_agreement(page: Page, audience_label: str) -> None:
    """From anywhere in Warden, open 'Who has signed' for one audience's agreement."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Acceptable-use agreements"
    ).click()
    check_page(page, "acceptable-use agreements", phone=False)
    row = page.get_by_role("row").filter(has_text=audience_label)
    row.get_by_role("link", name="Who has signed").click()
    check_page(page, f"who has signed ({audience_label})", phone=False)


def open_person(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    check_page(page, "people", phone=False)
    page.get_by_label("Search").fill(name)
    page.get_by_label("Search").press("Enter")
    last, first = name.split(" ", 1)[1], name.split(" ", 1)[0]
    page.get_by_role("link", name=f"{last}, {first}").click()
    check_page(page, f"person {name}", phone=False)


def sign_on_phone(page: Page, what: str, name: str, button: str) -> None:
    """Read, tick and sign on the public signing page, as a person on a phone would."""
    check_page(page, f"signing page ({what})")
    expect(page.get_by_text(SCHOOL).first).to_be_visible()
    # The text reads as numbered points, not lines cut at 90 characters.
    expect(page.locator(".agreement-text li").first).to_be_visible()
    page.get_by_label("Type your full name as your signature").fill(name)
    page.get_by_label("I have read the text above and agree to it").check()
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(page, f"signed ({what})")


def mail_to(server: LiveWarden, address: str, subject: str) -> Any:
    found = [m for m in server.mails() if address in m.to and re.search(subject, m.subject)]
    assert found, f"no e-mail to {address} matching {subject!r}: " + "; ".join(
        f"{m.to} {m.subject}" for m in server.mails(run_tasks=False)
    )
    return found[-1]


def test_parents_pupils_and_the_office_sign_agreements(
    new_page: NewPage, warden_server: LiveWarden, people: dict[str, dict[str, Any]]
) -> None:
    pupil, parent = people["pupil"], people["parent"]
    office = new_page()
    sign_in(office, warden_server, "office.northgate")

    # The office prints the QR sheet for the pupil's form; the pupil scans their card.
    open_agreement(office, "Key Stage 3")
    office.get_by_role("link", name="Print a class QR sheet").click()
    check_page(office, "QR sheet form", phone=False)
    office.get_by_label("Form / class").fill(FORM)
    office.get_by_role("button", name=re.compile("sheet", re.I)).click()
    card = office.locator(".qr-card").filter(has_text=pupil["name"])
    expect(card).to_have_count(1)
    check_page(office, "QR sheet", phone=False)
    card_url = card.locator(".url").inner_text().strip()

    child = new_page(phone=True)
    child.goto(card_url)
    sign_on_phone(child, "pupil by QR card", pupil["name"], "Sign")
    (pupil_signature,) = signatures(warden_server, pupil["pk"])
    assert pupil_signature["method"] == "link"
    assert pupil_signature["typed_name"] == pupil["name"]

    # The office e-mails signing links to the parents of Year 7.
    open_agreement(office, "Parents and carers")
    office.get_by_role("link", name="E-mail signing links").click()
    check_page(office, "e-mail signing links", phone=False)
    office.get_by_label("Year group (optional)").select_option(label="Year 7")
    office.get_by_role("button", name="Send links").click()
    expect(office.locator(".message.success")).to_contain_text(re.compile(r"[1-9]\d* signing"))
    check_page(office, "links sent", phone=False)

    # The parent signs their own agreement on the phone, first forgetting the tick.
    mail = mail_to(warden_server, "j1.parent@example.org", "Please sign")
    phone = new_page(phone=True)
    phone.goto(mail.links[0])
    check_page(phone, "parent's signing page")
    expect(phone.get_by_role("banner")).to_contain_text(SCHOOL)
    expect(phone.get_by_role("banner")).not_to_contain_text("Warden")
    expect(phone.get_by_role("link", name=re.compile("sign in", re.I))).to_have_count(0)
    phone.get_by_label("Type your full name as your signature").fill(parent["name"])
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.get_by_text("Tick the box")).to_be_visible()
    check_page(phone, "parent's signing page, box not ticked")
    phone.get_by_label("I have read the text above and agree to it").check()
    phone.get_by_role("button", name="Sign", exact=True).click()
    expect(phone.get_by_role("heading", name="Thank you")).to_be_visible()
    check_page(phone, "parent signed")
    (parent_signature,) = signatures(warden_server, parent["pk"])
    assert parent_signature["audience"] == "parent"

    # The office asks for the missing counter-signatures; the e-mail names the child.
    open_agreement(office, "Key Stage 3")
    office.get_by_role("button", name="E-mail parents whose counter-signature is missing").click()
    check_page(office, "counter-signing links sent", phone=False)
    mail = mail_to(warden_server, "j1.parent@example.org", "counter-sign")
    assert pupil["first"] in mail.subject + mail.body
    phone.goto(mail.links[0])
    expect(phone.get_by_role("main")).to_contain_text(pupil["name"])
    sign_on_phone(phone, "parent counter-signs", parent["name"], "Counter-sign")
    counter = signatures(warden_server, parent["pk"])[-1]
    assert counter["counter_signs_id"] == pupil_signature["id"]

    # Once signed, no reminder goes to the parent.
    before = len(warden_server.mails())
    warden_server.warden("agreements", "remind", "--school", "northgate")
    assert not [m for m in warden_server.mails()[before:] if "j1.parent@example.org" in m.to]

    # The office records a desk signature and a paper form with its scan.
    desk = people["desk"]
    open_person(office, desk["name"])
    office.get_by_role("link", name="Sign at the desk").click()
    check_page(office, "desk signing", phone=False)
    office.get_by_label("Full name, typed by the person signing").fill(desk["name"])
    office.get_by_label("The person has read the text and agrees to it, in front of me").check()
    office.get_by_role("button", name="Record the signature").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text("Signature")
    check_page(office, "desk signature proof", phone=False)
    (desk_signature,) = signatures(warden_server, desk["pk"])
    assert desk_signature["method"] == "desk"

    paper = people["paper"]
    open_person(office, paper["name"])
    office.get_by_role("link", name="Record a paper form").click()
    check_page(office, "paper form", phone=False)
    office.get_by_label("Name as written on the form").fill(paper["name"])
    office.get_by_label("The form is signed and matches this version's text").check()
    office.get_by_label("Scan of the signed form").set_input_files(
        files=[{"name": "form.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    office.get_by_role("button", name="Record the form").click()
    expect(office.get_by_role("link", name="form.pdf")).to_be_visible()
    check_page(office, "paper signature proof", phone=False)
    (paper_signature,) = signatures(warden_server, paper["pk"])
    assert paper_signature["method"] == "paper"
    assert paper_signature["scan_sha256"]


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
