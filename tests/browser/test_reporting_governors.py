"""Journeys: a governor reads the governors' report on a phone; the trust administrator reads
the trust's report.

The governor, on a 390 px phone, goes from the home page's link to the report for the
current term: every area's figures, each chart an image with its description and its table
after it, no one's name anywhere; then the school year's report and its PDF. The trust
administrator opens the trust's report: a row for each school and the trust's totals, and
downloads it as PDF.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden
from tests.browser.test_journey_teacher_governor_trust import _named, _names_in_db


def test_a_governor_reads_the_governors_report_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page(phone=True)
    sign_in(page, warden_server, "governor.northgate")
    names = _names_in_db(warden_server, except_user="governor.northgate")
    assert len(names) > 100  # the demo's people, so the check below can fail
    check_page(page, "governor's home")

    page.get_by_role("link", name="Read the whole report for").click()
    page.wait_for_load_state("load")
    check_page(page, "governors' report for the term")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "E-safety and ICT security: report for governors"
    )
    for heading in (
        "Trend over the last six terms",
        "Incidents by kind",
        "Monitoring alerts by category",
        "Acceptable-use agreements signed",
        "Leavers' accounts",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    charts = page.get_by_role("img", name="Incidents by kind")
    expect(charts).to_be_visible()
    expect(
        page.get_by_role("table", name="Incidents by kind: the figures of the chart")
    ).to_be_visible()
    assert _named(page, names) == [], "the governors' report names people"

    page.get_by_label("Or a school year").select_option(index=1)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("load")
    check_page(page, "governors' report for the school year")
    expect(page.get_by_role("columnheader", name="Year", exact=True).first).to_be_visible()
    assert _named(page, names) == [], "the year's report names people"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_the_trust_administrator_reads_the_trust_report(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    sign_in(page, warden_server, "trustadmin")
    check_page(page, "trust administrator's home", phone=False)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Trust report").click()
    page.wait_for_load_state("load")
    check_page(page, "trust report", phone=False)
    table = page.get_by_role("table", name="Each school’s figures and the trust’s totals")
    for school in ("Northgate Academy", "Hollybank Primary School", "All schools"):
        expect(table.get_by_role("rowheader", name=school)).to_be_visible()
    incidents = [
        int(t.strip()) for t in table.locator("tr").locator("td:nth-of-type(1)").all_inner_texts()
    ]
    assert incidents[-1] == sum(incidents[:-1])
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_the_office_saves_the_schools_term_dates(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    """Terms the report counts by are the school's own: the office opens the term dates from
    the menu, sees the local authority's pattern and saves it as the school's."""
    page = new_page()
    sign_in(page, warden_server, "office.hollybank")
    menu = page.get_by_role("navigation", name="Main")
    fold = menu.locator("details").filter(has_text="Term dates")
    if fold.count() and not fold.first.get_attribute("open"):
        fold.first.locator("summary").click()  # a long menu folds the sections not used daily
    menu.get_by_role("link", name="Term dates").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Term dates")
    check_page(page, "term dates", phone=False)
    page.get_by_role("button", name="Save the term dates").click()
    expect(page.locator(".message.success").first).to_be_visible()
    check_page(page, "term dates saved", phone=False)
    saved = warden_server.query_one(
        "SELECT COUNT(*) AS n FROM reporting_schoolterm t JOIN core_school s "
        "ON s.id = t.school_id WHERE s.slug = 'hollybank'"
    )
    assert saved["n"] >= 3
