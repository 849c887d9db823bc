"""The people list downloads as CSV and XLSX: the filtered rows, safe to open, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.testing.exports import both, queries_for
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _urls() -> tuple[str, str]:
    return reverse("people:export_csv"), reverse("people:export_xlsx")


def test_the_export_is_the_filtered_list_in_both_formats(school, office, client_for):
    for n in range(3):
        PupilFactory.create(school=school, last_name=f"Seven{n}", year_group=7, form="7A")
    PupilFactory.create(school=school, last_name="Eight", year_group=8)
    PersonFactory.create(school=school, last_name="Staffer")
    sheets = both(client_for(office), _urls(), {"year_group": 7, "person_type": "pupil"})
    for sheet in sheets:
        assert sorted(sheet.column("Surname")) == ["Seven0", "Seven1", "Seven2"]
        assert set(sheet.column("Year group")) == {"Year 7"}
        assert set(sheet.column("Form")) == {"7A"}
        assert "Year: Year 7" in sheet.filters and "Type: Pupil" in sheet.filters
        assert sheet.title.startswith(f"People at {school.name}")
    audit = AuditEntry.objects.filter(action="list.exported").order_by("seq")
    assert [(e.changes["list"], e.changes["format"], e.changes["rows"]) for e in audit] == [
        ("people", "csv", 3),
        ("people", "xlsx", 3),
    ]
    assert audit[0].actor == office and audit[0].changes["filters"]["Year"] == "Year 7"


def test_a_name_starting_with_a_formula_comes_out_as_text(school, office, client_for):
    PersonFactory.create(school=school, first_name='=HYPERLINK("http://x","y")', last_name="Attack")
    for sheet in both(client_for(office), _urls()):
        assert sheet.column("First name") == ['\'=HYPERLINK("http://x","y")']


def test_dates_are_dates_in_the_workbook(school, office, client_for):
    PupilFactory.create(school=school, joining_date=dt.date(2025, 9, 3))
    csv_sheet, xlsx_sheet = both(client_for(office), _urls())
    assert csv_sheet.column("Joined") == ["2025-09-03"]
    assert xlsx_sheet.column("Joined") == [dt.datetime(2025, 9, 3)]


def test_a_role_without_the_register_cannot_export_it(school, governor, client_for):
    client = client_for(governor)
    for url in _urls():
        assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="list.exported").exists()


def test_another_schools_people_never_appear(school, other_school, office, client_for):
    PupilFactory.create(school=other_school, last_name="Elsewhere")
    PupilFactory.create(school=school, last_name="Here")
    for sheet in both(client_for(office), _urls()):
        assert sheet.column("Surname") == ["Here"]


def test_the_export_runs_a_fixed_number_of_queries(school, office, client_for):
    client = client_for(office)
    PupilFactory.create(school=school)
    few = {fmt: queries_for(client, url) for fmt, url in zip("cx", _urls(), strict=True)}
    for _ in range(30):
        PupilFactory.create(school=school)
    many = {fmt: queries_for(client, url) for fmt, url in zip("cx", _urls(), strict=True)}
    assert many == few


def test_the_list_page_links_to_both_downloads_with_its_filters(school, office, client_for):
    page = client_for(office).get(reverse("people:list"), {"year_group": 7})
    html = page.content.decode()
    assert f"{reverse('people:export_csv')}?year_group=7" in html
    assert f"{reverse('people:export_xlsx')}?year_group=7" in html
