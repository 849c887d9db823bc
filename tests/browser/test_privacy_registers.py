"""Journeys: the processors register and the permission to take personal data off site.

Hollybank's SIRO opens the processors register, finds the SEND area without a record, writes
it (the processor, the data, where it is stored, the signed contract and the DPIA with their
files) and approves it. Hollybank's headteacher gives a teacher permission to take Year 6
assessment data off site on an encrypted drive, choosing the teacher by typing.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import choose_person, sign_in
from tests.browser.server import LiveWarden

SIRO = "siro.hollybank"
HEAD = "head.hollybank"

STAFF = """
import json
from warden.core.models import School
from warden.people.services import person_create

school = School.objects.get(slug="hollybank")
person = person_create(actor=None, school=school, fields={
    "person_type": "teaching_staff", "first_name": "Morgan", "last_name": "Offsite-Journey",
    "mis_id": "JP-OFFSITE"})
print(json.dumps(person.pk))
"""


def _menu(page: Page, label: str) -> None:
    """Follow a menu link in the Data protection section, unfolding it when folded."""
    menu = page.get_by_role("navigation", name="Main")
    link = menu.get_by_role("link", name=label)
    if not link.is_visible():
        menu.locator("summary", has_text="Data protection").click()
    link.click()


def test_the_siro_writes_and_approves_a_missing_processor_record(
    new_page: NewPage, warden_server: LiveWarden, tmp_path: Path
) -> None:
    contract = tmp_path / "send-contract.pdf"
    contract.write_bytes(b"%PDF-1.4 the signed contract")
    dpia = tmp_path / "send-dpia.pdf"
    dpia.write_bytes(b"%PDF-1.4 the DPIA")
    page = new_page()
    sign_in(page, warden_server, SIRO)
    _menu(page, "Processors and cloud services")
    check_page(page, "processors register", phone=False)
    row = page.get_by_role("row").filter(has_text="SEND area")
    expect(row).to_contain_text("Missing")
    row.get_by_role("link", name="SEND area").click()
    check_page(page, "a system without a record", phone=False)
    page.get_by_label("Processor").fill("SEND Records Ltd")
    page.get_by_label("Health and SEND (special category)").check()
    page.get_by_label("Where the data is stored").select_option(label="United Kingdom")
    today = dt.date.today()
    page.get_by_label("Contract with GDPR clauses signed on").fill(today.isoformat())
    page.get_by_label("Signed contract").set_input_files(contract)
    page.get_by_label("DPIA carried out on").fill(today.isoformat())
    page.get_by_label("DPIA review due").fill(today.replace(year=today.year + 1).isoformat())
    page.get_by_label("DPIA (PDF, PNG or JPEG)").set_input_files(dpia)
    page.get_by_role("button", name="Save the record").click()
    expect(page.locator(".message.success")).to_contain_text("data-protection record saved")
    check_page(page, "record saved", phone=False)
    page.get_by_role("button", name="Approve the record").click()
    expect(page.locator(".message.success")).to_contain_text("SEND area approved")
    check_page(page, "record approved", phone=False)
    page.get_by_role("link", name="← Processors and cloud services").click()
    expect(page.get_by_role("row").filter(has_text="SEND area")).to_contain_text("Approved")
    check_page(page, "register after approval", phone=False)


def test_the_headteacher_gives_permission_to_take_data_off_site(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    warden_server.python(STAFF)
    page = new_page()
    sign_in(page, warden_server, HEAD)
    _menu(page, "Personal data off site")
    check_page(page, "off-site permissions", phone=False)
    choose_person(page, "Member of staff", "Offsite-Jou", "Morgan Offsite-Journey")
    page.get_by_label("What personal data").fill("Year 6 assessment data")
    page.get_by_label("Why it must leave the site").fill("Moderation at the trust's other school")
    page.get_by_label("On which encrypted drive or device").select_option(index=1)
    today = dt.date.today()
    page.get_by_label(re.compile(r"^From\b")).fill(today.isoformat())
    page.get_by_label(re.compile(r"^To\b")).fill((today + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Give permission").click()
    expect(page.locator(".message.success")).to_contain_text("Permission recorded")
    check_page(page, "permission given", phone=False)
    expect(page.get_by_role("row").filter(has_text="Morgan Offsite-Journey")).to_contain_text(
        "In force"
    )
