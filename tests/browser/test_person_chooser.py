"""Journeys: a person is chosen by typing part of their name, never from a drop-down.

A teacher on a 390 px phone tells the DSL of a worry about a pupil, finding the pupil with the
keyboard alone: typing, Down and Up through what is found, Escape to close the list, Enter
to choose. An ICT manager at a desk checks a laptop out to a pupil, choosing the borrower
with the mouse, and names two members of staff for remote access, then takes one off by
unticking them. No page sends the school's register.
"""

from __future__ import annotations

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
def pupil(first, last, form, year):
    return person_create(actor=None, school=school, fields={
        "person_type": "pupil", "first_name": first, "last_name": last,
        "year_group": year, "form": form}).pk
made = {
    "worry": pupil("Rowan", "Chooserfield", "8C1", 8),
    "namesake": pupil("Rowan", "Chooserford", "10C2", 10),
    "borrower": pupil("Ash", "Chooserborrow", "9C1", 9),
}
asset = Asset.objects.filter(
    school=school, state="in_stock", asset_type="laptop", encrypted=True
).order_by("-pk").first()
made["asset"], made["tag"] = asset.pk, asset.asset_tag
def staff(first, last):
    return person_create(actor=None, school=school, fields={
        "person_type": "teaching_staff", "first_name": first, "last_name": last}).pk
made["remy"], made["tam"] = staff("Remy", "Remoteworth"), staff("Tam", "Remoteworth")
from warden.accounts.models import System
made["system"] = System.objects.create(
    school=school, name="Chooser remote desktop", remote_access=True).pk
print(json.dumps(made))
"""
WORRY = "Said they are afraid to go home after the weekend."


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _settled(page: Page) -> None:
    """Wait until htmx has swapped the list in and the box has faded back in (it is dimmed
    while a request runs, which axe would measure as low contrast)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.getAnimations().length === 0"
    )


def test_a_teacher_chooses_a_pupil_with_the_keyboard_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page(phone=True)
    sign_in(page, warden_server, "teacher.northgate", phone=True)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tell the DSL of a worry"
    ).click()
    check_page(page, "tell the DSL of a worry")
    box = page.get_by_role("combobox", name="The child")
    listbox = page.get_by_role("listbox", name="Pupils found")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("[role=listbox] [role=option]")).to_have_count(0)  # none before a search

    box.focus()
    page.keyboard.type("chooserf", delay=40)
    expect(listbox.get_by_role("option")).to_have_count(2)
    expect(box).to_have_attribute("aria-expanded", "true")
    _settled(page)
    check_page(page, "two pupils found, the list open")
    # Two pupils named Rowan are told apart by form and year.
    expect(listbox).to_contain_text("8C1, Year 8")
    expect(listbox).to_contain_text("10C2, Year 10")

    page.keyboard.press("ArrowDown")
    first = listbox.get_by_role("option").nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", str(first.get_attribute("id")))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    page.keyboard.press("ArrowDown")  # the list opens again where it was
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(listbox.get_by_role("option").nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Rowan Chooserfield (8C1, Year 8)")
    expect(box).to_have_attribute("aria-expanded", "false")
    check_page(page, "pupil chosen")

    page.keyboard.press("Tab")
    expect(page.get_by_label("What the concern is about")).to_be_focused()
    page.get_by_label("What the concern is about").select_option(label="Abuse or neglect")
    page.get_by_label("What was seen or heard").fill(WORRY)
    page.get_by_role("button", name="Tell the DSL").click()
    expect(page.locator(".message.success")).to_contain_text("you will not see it")
    check_page(page, "worry told to the DSL")
    concern = warden_server.query_one(
        "SELECT person_id FROM safeguarding_welfareconcern WHERE summary = ?", WORRY
    )
    assert concern["person_id"] == made["worry"]


def test_an_ict_manager_chooses_a_borrower_with_the_mouse(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "ictmanager.northgate")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assets").click()
    check_page(page, "assets", phone=False)
    page.get_by_label("Search").fill(made["tag"])
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile(made["tag"])).first.click()
    check_page(page, "asset", phone=False)
    html = page.content()
    assert "Chooserborrow" not in html and "Chooserfield" not in html

    form = page.locator("form").filter(has=page.get_by_role("button", name="Check out"))
    choose_person(form, "Borrower", "chooserb", "Ash Chooserborrow")
    expect(form.get_by_role("combobox", name="Borrower")).to_have_value(
        "Ash Chooserborrow (9C1, Year 9)"
    )
    _settled(page)
    check_page(page, "borrower chosen", phone=False)
    form.get_by_label("Purpose").fill("Revision at home")
    form.get_by_role("button", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chooserborrow")
    check_page(page, "loan", phone=False)
    loan = warden_server.query_one(
        "SELECT person_id FROM equipment_loan WHERE asset_id = ? ORDER BY id DESC LIMIT 1",
        made["asset"],
    )
    assert loan["person_id"] == made["borrower"]


def _remote_ids(warden_server: LiveWarden, system: int) -> list[int]:
    row = warden_server.query_one(
        "SELECT group_concat(person_id) AS ids FROM accounts_system_remote_people"
        " WHERE system_id = ?",
        system,
    )
    return sorted(int(i) for i in (row["ids"] or "").split(",") if i)


def test_an_ict_manager_names_staff_for_remote_access_and_takes_one_off(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "ictmanager.northgate")
    page.goto(f"{warden_server.url}/accounts/systems/{made['system']}/")
    check_page(page, "remote system", phone=False)
    assert "Remoteworth" not in page.content()
    saving = page.get_by_role("button", name="Save named staff")
    form = page.locator("form").filter(has=saving)
    label = "Staff named for remote access"
    choose_person(form, label, "remy rem", "Remy Remoteworth")
    choose_person(form, label, "tam rem", "Tam Remoteworth")
    expect(form.get_by_role("combobox", name=label)).to_have_value("")
    expect(form.get_by_role("checkbox", name="Tam Remoteworth")).to_be_checked()
    _settled(page)
    check_page(page, "two staff chosen", phone=False)
    saving.click()
    expect(page.get_by_text("Named staff for remote access saved.")).to_be_visible()
    assert _remote_ids(warden_server, made["system"]) == sorted([made["remy"], made["tam"]])

    page.get_by_role("checkbox", name=re.compile("Remy Remoteworth")).uncheck()
    page.get_by_role("button", name="Save named staff").click()
    expect(page.get_by_text("Named staff for remote access saved.")).to_be_visible()
    check_page(page, "one staff named", phone=False)
    assert _remote_ids(warden_server, made["system"]) == [made["tam"]]
