"""Journey: the office filters the people list and downloads exactly that list.

The office narrows the register to pupils in Year 7, downloads it as XLSX and as CSV from the
links beside the results, and each file holds the filtered rows and says which filters made
it; the links follow the filters as the list updates in place.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden


def test_the_office_downloads_the_filtered_people_list(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    page.get_by_role("link", name="People").first.click()
    check_page(page, "people list")
    page.get_by_label("Type").select_option("pupil")
    expect(page.get_by_role("link", name="Download XLSX")).to_have_attribute(
        "href", re.compile(r"person_type=pupil")
    )
    check_page(page, "people list filtered to pupils")
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Download XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "Filters: Type: Pupil"
    header = list(rows[3])
    types = [row[header.index("Type")] for row in rows[4:]]
    assert types and set(types) == {"Pupil"}
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download CSV").click()
    text = csv_download.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert [line[header.index("Surname")] for line in lines[4:]] == [
        row[header.index("Surname")] for row in rows[4:]
    ]
    shown = warden_server.query_one(
        "SELECT COUNT(*) AS n FROM core_auditentry WHERE action = 'list.exported'"
    )
    assert shown["n"] >= 2
