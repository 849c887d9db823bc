"""Each role lands on its own home page: signed in from the sign-in page, every demo role
sees its school's name as the main heading and, as the first card, what its work starts
with. Teachers and governors read theirs on a 390 px phone too, where the page comes before
the menu and nothing scrolls sideways.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

NORTHGATE = "Northgate Academy"
SCHOOLS = (NORTHGATE, "Hollybank Primary School")

# (sign-in, the first card's heading, whether the role uses Warden on a phone)
HOMES = [
    ("dsl.northgate", "Monitoring triage", False),
    ("deputydsl.northgate", "Monitoring triage", False),
    ("head.northgate", f"Overview of {NORTHGATE}", False),
    ("siro.northgate", "Personal data breaches", False),
    ("ictmanager.northgate", "Account requests", False),
    ("technician.northgate", "Account requests", False),
    ("office.northgate", "Acceptable-use agreements: signatures outstanding", False),
    ("teacher.northgate", "Report a concern", True),
    ("governor.northgate", re.compile(r"^Report for governors: \w+ term \d{4}$"), True),
]


def _first_card(page: Page):
    return page.locator("main section.card").first.get_by_role("heading").first


def _lands_home(page: Page, name: str, first: str | re.Pattern[str], *, phone: bool) -> None:
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NORTHGATE)
    expect(_first_card(page)).to_have_text(first)
    check_page(page, f"{name}'s home", phone=phone)


@pytest.mark.parametrize(("username", "first", "on_phone"), HOMES)
def test_each_role_lands_on_its_own_work(
    new_page: NewPage,
    warden_server: LiveWarden,
    username: str,
    first: str | re.Pattern[str],
    on_phone: bool,
) -> None:
    page = new_page()
    sign_in(page, warden_server, username)
    _lands_home(page, username, first, phone=on_phone)
    # At a desk the menu sits beside the page; its first entry is the home page.
    menu = page.get_by_role("navigation", name="Main")
    menu_box, main_box = menu.bounding_box(), page.locator("main").bounding_box()
    assert menu_box and main_box and menu_box["x"] < main_box["x"]
    expect(menu.get_by_role("link").first).to_have_text("Home")


@pytest.mark.parametrize(
    ("username", "first"),
    [(u, f) for u, f, on_phone in HOMES if on_phone],
)
def test_teachers_and_governors_read_their_home_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden, username: str, first: str | re.Pattern[str]
) -> None:
    phone = new_page(phone=True)
    sign_in(phone, warden_server, username, phone=True)
    _lands_home(phone, username, first, phone=True)
    # The page comes first; "Menu" at the top takes the reader down to the menu.
    menu = phone.get_by_role("navigation", name="Main")
    menu_box, main_box = menu.bounding_box(), phone.locator("main").bounding_box()
    assert menu_box and main_box and main_box["y"] < menu_box["y"]
    phone.get_by_role("link", name="Menu", exact=True).click()
    expect(phone).to_have_url(re.compile(r"#menu$"))
    expect(menu.get_by_role("link", name="Home")).to_be_in_viewport()
    check_page(phone, f"{username}'s menu on a phone")


def test_the_trust_administrator_lands_on_the_trusts_schools(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    sign_in(page, warden_server, "trustadmin")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("|".join(SCHOOLS)))
    first = _first_card(page)
    expect(first).to_have_text(re.compile(r"^Schools of "))
    check_page(page, "trust administrator's home", phone=False)
    table = page.locator("main section.card").first.get_by_role("table")
    for school in SCHOOLS:
        row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=school))
        expect(row).to_have_count(1)
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers == [
        "School",
        "Signatures current",
        "Leavers overdue",
        "Triage overdue",
        "Incidents open",
        "Filter policy age",
    ]
    # A figure opens that page at its school: the leavers' board of Hollybank.
    hollybank = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Hollybank Primary School")
    )
    hollybank.get_by_role("button", name=re.compile("Leavers overdue")).click()
    page.wait_for_load_state("load")
    expect(page).to_have_url(re.compile(r"/accounts/leavers/$"))
    expect(page.get_by_label("School").locator("option:checked")).to_have_text(
        "Hollybank Primary School"
    )
    check_page(page, "Hollybank's leavers' board from the roll-up", phone=False)
