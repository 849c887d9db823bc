"""Journeys: a teacher on a phone, a governor reading the termly report, the trust administrator.

A teacher, on a 390 px phone, asks for a video to be unblocked for a class (the address kept
exactly as typed, the groups offered being ones an unblocking can be for) and sees the request
waiting; then tells the DSL about a worry about a pupil, finding the pupil by searching, not
from a list of every pupil, and cannot read the concern afterwards (need-to-know). A governor
reads the termly report: figures, and no one's name on any page they visit. The trust
administrator switches between the trust's two schools and sees each school's own records.
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

# Typed as a teacher would paste it: the video id is case-sensitive.
VIDEO = "https://www.YouTube.com/watch?v=Xq3bT7kLm0A&t=42s"
VIDEO_SITE = "youtube.com/watch?v=Xq3bT7kLm0A&t=42s"
WORRY = "Said at registration that an older boy online keeps asking for photos."

# Two pupils of the journey's own with names no demo person has: one at each school.
SETUP = """
import json
from warden.core.models import School
from warden.people.services import person_create

made = {}
for slug, first, last, year, form in (
    ("northgate", "Remy", "Journeyfield", 8, "8J1"),
    ("hollybank", "Tova", "Switchback", 4, "4S"),
):
    school = School.objects.get(slug=slug)
    pupil = person_create(actor=None, school=school, fields={
        "person_type": "pupil", "first_name": first, "last_name": last,
        "mis_id": f"JT-{slug}", "year_group": year, "form": form})
    made[slug] = pupil.pk
print(json.dumps(made))
"""


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def test_a_teacher_asks_for_an_unblock_and_tells_the_dsl_of_a_worry_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    phone = new_page(phone=True)
    sign_in(phone, warden_server, "teacher.northgate", phone=True)
    check_page(phone, "teacher's dashboard")

    _nav(phone, "Unblock requests")
    check_page(phone, "unblock requests")
    group = phone.get_by_label("Group")
    offered = [o.strip() for o in group.locator("option").all_inner_texts()]
    # "No internet" holds pupils whose internet is withdrawn: never offered.
    assert "No internet" not in offered
    assert {"Every group", "Key stage 3", "Key stage 4", "Staff"} <= set(offered)
    # The teacher's own group comes first; the class's group is a choice away.
    assert group.locator("option:checked").inner_text().strip() == "Staff"
    phone.get_by_label("Site").fill(VIDEO)
    group.select_option(label="Key stage 3")
    phone.get_by_label("Reason").fill("Year 8 watch this clip in Thursday's lesson on sound.")
    phone.get_by_role("button", name="Send the request").click()
    expect(phone.locator(".message.success")).to_contain_text(VIDEO_SITE)
    check_page(phone, "unblock request sent")
    expect(phone.get_by_role("main")).to_contain_text("Waiting")

    _nav(phone, "Unblock requests")
    row = phone.get_by_role("row").filter(has_text=VIDEO_SITE)
    expect(row).to_contain_text("Key stage 3")
    expect(row).to_contain_text("Waiting")
    check_page(phone, "unblock requests, one waiting")
    stored = warden_server.query_one(
        "SELECT r.site, r.status, g.name AS grp FROM monitoring_unblockrequest r "
        "JOIN monitoring_filtergroup g ON g.id = r.group_id WHERE r.site LIKE ?",
        "%Xq3bT7kLm0A%",
    )
    assert stored == {"site": VIDEO_SITE, "status": "pending", "grp": "Key stage 3"}

    _nav(phone, "Tell the DSL of a worry")
    check_page(phone, "tell the DSL of a worry")
    # No pupil is sent before a search finds them.
    expect(phone.locator("[role=listbox] [role=option]")).to_have_count(0)
    choose_person(phone, "The child", "journeyf", "Remy Journeyfield")
    _settled(phone)
    check_page(phone, "tell the DSL, pupil chosen")
    phone.get_by_label("What the concern is about").select_option(label="Abuse or neglect")
    phone.get_by_label("What was seen or heard").fill(WORRY)
    phone.get_by_role("button", name="Tell the DSL").click()
    expect(phone.locator(".message.success")).to_contain_text("you will not see it")
    check_page(phone, "worry told to the DSL")
    teacher = warden_server.query_one(
        "SELECT id FROM core_user WHERE username = 'teacher.northgate'"
    )
    concern = warden_server.query_one(
        "SELECT id, number, category, summary, raised_by_id, status "
        "FROM safeguarding_welfareconcern WHERE person_id = ?",
        made["northgate"],
    )
    assert concern["category"] == "abuse" and concern["summary"] == WORRY
    assert (concern["raised_by_id"], concern["status"]) == (teacher["id"], "open")
    expect(phone.locator(".message.success")).to_contain_text(f"WC-{concern['number']:04d}")

    # Need-to-know: the record is the DSL's; even its reporter gets "no such page".
    response = phone.goto(f"/safeguarding/{concern['id']}/")
    assert response is not None and response.status == 404
    check_page(phone, "the concern, refused", expected_status=404)
    expect(phone.get_by_role("main")).not_to_contain_text(WORRY)


def _names_in_db(server: LiveWarden, *, except_user: str) -> set[str]:
    """Every way a page could name a person or user of the trust: "First Last" and
    "Last, First" (with preferred names), leaving out the signed-in user's own."""
    own = server.query_one(
        "SELECT first_name, last_name FROM core_user WHERE username = ?", except_user
    )
    names: set[str] = set()
    rows = server.query(
        "SELECT first_name, last_name, preferred_name FROM people_person "
        "UNION ALL SELECT first_name, last_name, '' FROM core_user"
    )
    for row in rows:
        last = row["last_name"].strip()
        if not last or (row["first_name"], last) == (own["first_name"], own["last_name"]):
            continue
        for first in {row["first_name"].strip(), (row["preferred_name"] or "").strip()} - {""}:
            names |= {f"{first} {last}", f"{last}, {first}"}
    return names


def _named(page: Page, names: set[str]) -> list[str]:
    text = " ".join(page.locator("body").inner_text().split())
    return sorted(name for name in names if name in text)


def test_a_governor_reads_the_termly_report_and_sees_no_ones_name(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    sign_in(page, warden_server, "governor.hollybank")
    names = _names_in_db(warden_server, except_user="governor.hollybank")
    assert len(names) > 100  # the demo's people, so the check below can fail
    check_page(page, "governor's dashboard")
    assert _named(page, names) == [], "the governor's dashboard names people"

    _nav(page, "E-safety figures by term")
    check_page(page, "termly report")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "E-safety and ICT security report for governors"
    )
    school = warden_server.query_one("SELECT id FROM core_school WHERE slug = 'hollybank'")
    open_now = warden_server.query_one(
        "SELECT COUNT(*) AS n FROM incidents_incident WHERE school_id = ? AND status != 'closed'",
        school["id"],
    )["n"]
    assert open_now > 0  # the demo's open incidents, so the figure is not a bare zero
    summary = page.locator("section").filter(has=page.get_by_role("heading", name="Summary"))
    expect(summary.locator(".cards > div").filter(has_text="open now")).to_have_text(
        re.compile(rf"^\s*{open_now}\s+open now\s*$")
    )
    for caption in (
        "E-safety incidents reported, by kind",
        "E-safety incidents reported, by severity",
        "Filtering changes, by kind",
        "Timeliness of triage",
    ):
        expect(page.get_by_role("table", name=caption)).to_be_visible()
    assert _named(page, names) == [], "the termly report names people"

    # Every other page the governor's menu offers names no one either.
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    labels = [label.strip() for label in links.all_inner_texts()]
    assert "E-safety figures by term" in labels
    for label in labels:
        _nav(page, label)
        check_page(page, f"governor's {label}")
        assert _named(page, names) == [], f"the governor's page {label!r} names people"


def _people_search(page: Page, name: str) -> None:
    _nav(page, "People")
    check_page(page, "people", phone=False)
    page.get_by_label("Search").fill(name)
    with page.expect_response(re.compile(r"/people/\?q=")):
        page.get_by_role("button", name="Filter").click()
    _settled(page)


def _settled(page: Page) -> None:
    """Wait until htmx has swapped the results in and the form has faded back in (it is
    dimmed while a request runs, which axe would measure as low contrast)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        " && document.getAnimations().length === 0"
    )


# Each school's own pupil of the journey, as the register lists them.
SCHOOLS = {
    "Northgate Academy": ("Journeyfield", "Journeyfield, Remy"),
    "Hollybank Primary School": ("Switchback", "Switchback, Tova"),
}


def _sees_only_its_own(page: Page, school: str) -> None:
    expect(page.get_by_label("School").locator("option:checked")).to_have_text(school)
    for other, (search, listed) in SCHOOLS.items():
        _people_search(page, search)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"People at {school}")
        results = page.locator("#results")
        if other == school:
            expect(results.get_by_role("link", name=listed)).to_be_visible()
        else:
            expect(results).to_contain_text("Nobody matches these filters.")
            expect(results).not_to_contain_text(search)
        # The filters swap the results in place: one list, no second element of its id.
        check_page(page, f"people at {school} found by {search}", phone=False)


def test_the_trust_administrator_moves_between_schools(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "trustadmin")
    check_page(page, "trust administrator's dashboard", phone=False)
    switch = page.get_by_label("School")
    offered = [o.strip() for o in switch.locator("option").all_inner_texts()]
    assert sorted(offered) == sorted(SCHOOLS)
    first = switch.locator("option:checked").inner_text().strip()
    other = next(name for name in SCHOOLS if name != first)
    _sees_only_its_own(page, first)

    for school in (other, first):
        page.get_by_label("School").select_option(label=school)
        page.wait_for_url(re.compile(r"/$"))
        check_page(page, f"dashboard after switching to {school}", phone=False)
        _sees_only_its_own(page, school)
