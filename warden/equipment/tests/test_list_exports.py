"""The asset register and the loans list download as CSV and XLSX: the filtered rows, safe
to open, refused to roles that cannot see them, the same queries for any length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.equipment.models import Loan, LoanState
from warden.equipment.tests.factories import AssetFactory, TabletFactory
from warden.testing.exports import both, queries_for
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

ASSETS = ("equipment:assets_csv", "equipment:assets_xlsx")
LOANS = ("equipment:loans_csv", "equipment:loans_xlsx")


def _urls(names: tuple[str, str]) -> tuple[str, str]:
    return reverse(names[0]), reverse(names[1])


def _loan(school, *, state=LoanState.ISSUED, first_name="Borrower", due=None) -> Loan:
    return Loan.objects.create(
        school=school,
        asset=AssetFactory.create(school=school),
        person=PersonFactory.create(school=school, first_name=first_name),
        state=state,
        checked_out_at=timezone.now(),
        accepted_at=timezone.now(),
        due_on=due,
    )


def test_the_asset_export_is_the_filtered_register(school, office, client_for):
    AssetFactory.create(school=school, asset_tag="L1", purchase_date=dt.date(2024, 9, 1))
    TabletFactory.create(school=school, asset_tag="T1")
    csv_sheet, xlsx_sheet = both(client_for(office), _urls(ASSETS), {"asset_type": "tablet"})
    for sheet in (csv_sheet, xlsx_sheet):
        assert sheet.column("Asset tag") == ["T1"]
        assert "Type: Tablet" in sheet.filters
    everything = both(client_for(office), _urls(ASSETS))
    assert everything[0].column("Purchased") == ["2024-09-01", ""]
    assert everything[1].column("Purchased") == [dt.datetime(2024, 9, 1), None]


def test_the_loans_export_is_the_chosen_view(school, office, client_for):
    _loan(school, first_name="Out", due=timezone.localdate() - dt.timedelta(days=3))
    _loan(school, first_name="Back", state=LoanState.RETURNED)
    for sheet in both(client_for(office), _urls(LOANS), {"state": "overdue"}):
        assert sheet.column("Borrower first name") == ["Out"]
        assert "Loans: Overdue" in sheet.filters
    for sheet in both(client_for(office), _urls(LOANS), {"state": "returned"}):
        assert sheet.column("Borrower first name") == ["Back"]
    assert AuditEntry.objects.filter(action="list.exported").count() == 4


def test_a_formula_in_a_name_is_text_in_the_loans_export(school, office, client_for):
    _loan(school, first_name="+1+1")
    AssetFactory.create(school=school, make="=HYPERLINK(1)")
    for sheet in both(client_for(office), _urls(LOANS)):
        assert sheet.column("Borrower first name") == ["'+1+1"]
    for sheet in both(client_for(office), _urls(ASSETS), {"q": "=HYPERLINK"}):
        assert "'=HYPERLINK(1)" in sheet.column("Make")


def test_roles_without_equipment_cannot_export_it(school, teacher, client_for):
    for url in _urls(ASSETS) + _urls(LOANS):
        assert client_for(teacher).get(url).status_code == 403


def test_another_schools_assets_never_appear(school, other_school, office, client_for):
    AssetFactory.create(school=other_school, asset_tag="THEIRS")
    AssetFactory.create(school=school, asset_tag="OURS")
    for sheet in both(client_for(office), _urls(ASSETS)):
        assert sheet.column("Asset tag") == ["OURS"]


def test_both_exports_take_the_same_queries_for_more_rows(school, office, client_for):
    client = client_for(office)
    _loan(school)
    urls = _urls(ASSETS) + _urls(LOANS)
    few = [queries_for(client, url) for url in urls]
    for _ in range(15):
        _loan(school)
    assert [queries_for(client, url) for url in urls] == few
