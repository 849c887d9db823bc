"""Journeys: the SIRO answers a subject access request, and runs the retention schedule.

Northgate's SIRO signs in and sees the demo's open request on the home page, logs a new
request for a pupil, records how the identity of the person asking was checked, generates the
bundle, leaves one item out with a reason, marks the bundle reviewed, downloads the zip and
records the release. Then the SIRO opens the retention schedule, runs a dry run that lists
the violations of the demo pupil who left over a year ago, approves it, and the violations are
gone from the database.

``siro.northgate`` is these journeys' own sign-in.
"""

from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import choose_person, sign_in
from tests.browser.server import LiveWarden

SIRO = "siro.northgate"


def _pupil(server: LiveWarden) -> dict[str, str]:
    return server.query_one(
        "SELECT p.id, p.first_name, p.last_name FROM people_person p "
        "JOIN core_school s ON s.id = p.school_id "
        "WHERE s.slug = 'northgate' AND p.person_type = 'pupil' AND p.leaving_date IS NULL "
        "ORDER BY p.id DESC LIMIT 1"
    )


def test_the_siro_logs_checks_generates_reviews_and_releases_a_sar(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    pupil = _pupil(warden_server)
    name = f"{pupil['first_name']} {pupil['last_name']}"
    page = new_page()
    sign_in(page, warden_server, SIRO)
    check_page(page, "SIRO home", phone=False)
    panel = page.get_by_role("region", name="Subject access requests due")
    expect(panel).to_contain_text("Due soon")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Subject access requests"
    ).click()
    check_page(page, "subject access requests", phone=False)
    expect(
        page.get_by_text(re.compile("Data protection officer: Trust data protection"))
    ).to_be_visible()
    page.get_by_role("link", name="Log a request").click()
    check_page(page, "log a request", phone=False)
    choose_person(page, "Whose records (the data subject)", pupil["last_name"], name)
    page.get_by_label("Who asked").fill("The pupil's mother, by letter")
    page.get_by_label("How received").select_option("letter")
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator(".message.success")).to_contain_text("logged: due on")
    check_page(page, "request logged", phone=False)
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    # Nothing is gathered before the identity is checked.
    expect(page.get_by_role("button", name="Generate the bundle")).to_have_count(0)
    page.get_by_label("How the identity was checked").fill("Passport seen at reception")
    page.get_by_role("button", name="Record the identity check").click()
    expect(page.locator(".message.success")).to_contain_text("Identity check recorded")
    check_page(page, "identity checked", phone=False)

    page.get_by_role("button", name="Generate the bundle").click()
    expect(page.locator(".message.success")).to_contain_text("Bundle generated")
    check_page(page, "bundle to review", phone=False)
    profile = page.get_by_role("region", name="Profile in the people register")
    profile.get_by_label("Reason to leave it out").first.fill("Held in error: not shared")
    profile.get_by_role("button", name="Leave out").first.click()
    expect(page.locator(".message.success")).to_contain_text("left out")
    check_page(page, "item left out", phone=False)
    page.get_by_role("button", name="Mark the bundle reviewed").click()
    expect(page.locator(".message.success")).to_contain_text("reviewed")
    check_page(page, "bundle reviewed", phone=False)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the bundle (zip)").click()
    names = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes())).namelist()
    assert "summary.pdf" in names and "profile.json" in names and "audit.csv" in names

    page.get_by_label("How released").fill("Encrypted e-mail to the mother")
    page.get_by_role("button", name="Record the release").click()
    expect(page.locator(".message.success")).to_contain_text("Release recorded")
    check_page(page, "request released", phone=False)
    stored = warden_server.query_one(
        "SELECT status, identity_method, released_via, excluded FROM records_subjectaccessrequest "
        "WHERE person_id = ? ORDER BY id DESC LIMIT 1",
        pupil["id"],
    )
    assert stored["status"] == "released"
    assert stored["identity_method"] == "Passport seen at reception"
    assert "Held in error" in stored["excluded"]


def test_the_siro_runs_the_retention_dry_run_and_approves_it(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    leaver = warden_server.query_one(
        "SELECT p.id FROM people_person p JOIN core_school s ON s.id = p.school_id "
        "WHERE s.slug = 'northgate' AND p.mis_id LIKE 'DEMO-LEFT-%'"
    )
    page = new_page()
    sign_in(page, warden_server, SIRO)
    menu = page.get_by_role("navigation", name="Main")
    fold = menu.locator("details").filter(has_text="Data protection")
    if fold.count() and not fold.first.get_attribute("open"):
        fold.first.locator("summary").click()  # a long menu folds the sections not used daily
    menu.get_by_role("link", name="Retention schedule").click()
    check_page(page, "retention schedule", phone=False)
    expect(
        page.get_by_role("cell", name=re.compile("Kept 1 year after the person leaves"))
    ).to_be_visible()
    page.get_by_role("button", name="Run a dry run").click()
    expect(page.locator(".message.success")).to_contain_text("nothing is removed")
    check_page(page, "retention dry run", phone=False)
    violations = page.get_by_role("region", name="Monitoring violations")
    expect(violations).to_contain_text("3 violation(s) of")
    assert (
        warden_server.query_one(
            "SELECT COUNT(*) AS n FROM monitoring_violation WHERE person_id = ?", leaver["id"]
        )["n"]
        == 3
    )

    page.get_by_role("button", name="Approve and remove").click()
    expect(page.locator(".message.success").first).to_contain_text("Approved: 3 record(s)")
    check_page(page, "retention run approved", phone=False)
    assert (
        warden_server.query_one(
            "SELECT COUNT(*) AS n FROM monitoring_violation WHERE person_id = ?", leaver["id"]
        )["n"]
        == 0
    )
