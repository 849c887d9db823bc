"""Journey: the office sets up a folder feed for the MIS exports, pulls it, reviews and imports.

The school's MIS saves its student list into a folder on the server. The office opens
"MIS feed" from the menu, says where the folder is and which files are exports, and keeps
review on. "Pull now" takes the newest export and holds it: nobody is added until the office
opens it, sees the usual import preview and imports it. Pulling again finds nothing new.
"""

from __future__ import annotations

import csv
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import open_from_menu, sign_in
from tests.browser.server import LiveWarden

HEADER = ["Adno", "UPN", "Legal Surname", "Legal Forename", "DOB", "Year", "Reg"]
PUPILS = [
    ["MF-0001", "A900000000901", "Feedwell", "Anwen", "02/02/2014", "Year 7", "7A"],
    ["MF-0002", "A900000000902", "Feedwell", "Bryn", "03/03/2013", "Year 8", "8B"],
]


def test_the_office_pulls_a_folder_feed_and_imports_after_review(
    new_page: NewPage, warden_server: LiveWarden, tmp_path: Path
) -> None:
    exports = tmp_path / "mis-exports"
    exports.mkdir()
    with (exports / "StudentList.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *PUPILS])

    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    open_from_menu(page, "MIS feed", section="People and access")
    check_page(page, "MIS feed, not set up")

    page.get_by_role("radio", name="A folder on this server").check()
    page.get_by_role("textbox", name="Folder on this server").fill(str(exports))
    page.get_by_label("File names").fill("StudentList*.csv")
    page.get_by_role("button", name="Save the feed").click()
    expect(page.get_by_text("The MIS feed is saved.")).to_be_visible()
    check_page(page, "MIS feed, set up")

    page.get_by_role("button", name="Pull now").click()
    expect(page.get_by_text("StudentList.csv is waiting for review: 2 new").first).to_be_visible()
    check_page(page, "MIS feed, a file waiting")
    assert (
        warden_server.query_one("SELECT count(*) AS n FROM people_person WHERE mis_id LIKE 'MF-%'")[
            "n"
        ]
        == 0
    )

    page.get_by_role("button", name="Review and import").click()
    expect(page.get_by_text("Recognised as an export from")).to_be_visible()
    check_page(page, "import preview of a pulled file", phone=False)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported StudentList.csv: 2 new")).to_be_visible()
    check_page(page, "import of a pulled file")

    rows = warden_server.query_one(
        "SELECT count(*) AS n FROM people_person WHERE mis_id IN ('MF-0001', 'MF-0002')"
    )
    assert rows["n"] == 2

    open_from_menu(page, "MIS feed", section="People and access")
    expect(page.get_by_role("button", name="Review and import")).to_have_count(0)
    page.get_by_role("button", name="Pull now").click()
    expect(page.get_by_text("Nothing new: StudentList.csv was pulled on").first).to_be_visible()
    check_page(page, "MIS feed, nothing new")
