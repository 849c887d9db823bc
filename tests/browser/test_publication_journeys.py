"""Journeys of the media register and posts.

A teacher, on a 390 px phone, records a set of photos with a pupil chosen by typing, then
submits a post showing that pupil with an image. The ICT manager (the social-media team)
approves it, and sees another post refused: it shows a pupil whose parent has not
consented. The ICT manager then ticks off a set due for removal on the purge page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import choose_person, sign_in
from tests.browser.server import LiveWarden
from warden.publication.demo import demo_png

SETUP = """
import json
from warden.consent.testing import answer, family, purposes_published
from warden.core.models import School, User
from warden.people.services import person_create
from warden.publication.demo import demo_png
from warden.publication.services.posts import post_submit
from warden.core.uploads import Scan

school = School.objects.get(slug="northgate")
purposes_published(school)
def pupil(first, last, mis):
    return person_create(actor=None, school=school, fields={
        "person_type": "pupil", "first_name": first, "last_name": last,
        "mis_id": mis, "year_group": 8, "form": "8P"})
yes = pupil("Pia", "Pubjourney-Yes", "PUB-YES")
for parent in family(yes):
    answer(yes, parent, "website", "yes")
    answer(yes, parent, "displays", "yes")
no = pupil("Noel", "Pubjourney-No", "PUB-NO")
family(no)
teacher = User.objects.get(username="teacher.northgate")
refused = post_submit(actor=teacher, school=school, channel="website",
    text="Pubjourney refused post: the chess club final.", pupils=[no],
    images=[Scan(name="chess.png", content=demo_png())])
print(json.dumps({"yes": yes.pk, "no": no.pk, "refused": refused.pk}))
"""


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _nav(page: Page, name: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        # A long menu folds its sections; open the one holding the page.
        # Role queries skip the hidden links of a closed section; a text query finds them.
        inner = page.locator(f'a:text-is("{name}")')
        nav.locator("details").filter(has=inner).locator("summary").click()
    link.click()
    page.wait_for_load_state("load")


def test_a_teacher_records_a_set_and_submits_a_post_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any], tmp_path: Path
) -> None:
    phone = new_page(phone=True)
    sign_in(phone, warden_server, "teacher.northgate", phone=True)
    check_page(phone, "teacher's home")

    _nav(phone, "Media register")
    check_page(phone, "media register")
    phone.get_by_role("link", name="Record a set").click()
    check_page(phone, "record a set")
    phone.get_by_label("Name of the set").fill("Pubjourney chess club")
    phone.get_by_label("Where it is stored").fill("Media Drive/2026/Chess club")
    phone.get_by_label("Used for (consent purpose)").select_option(label="School website")
    choose_person(phone, "Pupils", "pubjourney-y", "Pia Pubjourney-Yes")
    phone.get_by_role("button", name="Record the set").click()
    expect(phone.locator(".messages")).to_contain_text("Set recorded.")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pubjourney chess club")
    check_page(phone, "media set")

    image = tmp_path / "club.png"
    image.write_bytes(demo_png())
    _nav(phone, "Posts")
    check_page(phone, "posts")
    phone.get_by_role("link", name="Submit a post").click()
    check_page(phone, "submit a post")
    phone.get_by_label("Where it goes").select_option(label="School website")
    phone.get_by_label("Text of the post").fill("Pia Pubjourney-Yes wins the chess final!")
    phone.get_by_label("Images (PNG or JPEG)").set_input_files(str(image))
    choose_person(phone, "Pupils shown", "pubjourney-y", "Pia Pubjourney-Yes")
    phone.get_by_role("button", name="Submit for approval").click()
    # The full name beside the image is refused, saying what to change.
    expect(phone.get_by_role("main")).to_contain_text("Take the full name out of the text")
    check_page(phone, "post refused for a full name")
    phone.get_by_label("Text of the post").fill("Pubjourney approved post: Pia wins the final!")
    phone.get_by_label("Images (PNG or JPEG)").set_input_files(str(image))
    phone.get_by_role("button", name="Submit for approval").click()
    expect(phone.locator(".messages")).to_contain_text("Submitted to the social-media team.")
    check_page(phone, "post submitted")


def test_the_team_approves_one_post_and_cannot_approve_another(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "ictmanager.northgate")
    check_page(page, "ICT manager's home", phone=False)
    _nav(page, "Posts")
    check_page(page, "posts to check", phone=False)

    page.get_by_role("link", name=re.compile("Pubjourney refused post")).click()
    check_page(page, "post without consent", phone=False)
    expect(page.get_by_role("main")).to_contain_text("Noel Pubjourney-No")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("This post cannot go out")
    check_page(page, "approval refused", phone=False)
    row = warden_server.query_one(
        "SELECT state FROM publication_post WHERE id = ?", made["refused"]
    )
    assert row["state"] == "submitted"

    page.get_by_role("link", name="← Posts").click()
    page.get_by_role("link", name=re.compile("Pubjourney approved post")).click()
    check_page(page, "post with consent", phone=False)
    expect(page.get_by_role("main")).to_contain_text("Consent check: every pupil shown may appear.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Post approved.")
    check_page(page, "post approved", phone=False)


def test_the_register_purge_is_ticked_off(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "ictmanager.northgate")
    _nav(page, "Images to remove")
    check_page(page, "images to remove", phone=False)
    first = page.get_by_role("button", name=re.compile("^Removed: Sports day"))
    label = first.first.get_attribute("aria-label")
    first.first.click()
    expect(page.locator(".messages")).to_contain_text("Ticked off: Sports day")
    check_page(page, "removal ticked off", phone=False)
    assert label is not None
    rows = warden_server.query(
        "SELECT done_at, done_by_id FROM publication_removal WHERE kind = 'retention'"
    )
    assert any(r["done_at"] and r["done_by_id"] for r in rows)
