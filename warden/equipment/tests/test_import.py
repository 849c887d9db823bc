"""The asset CSV import and the installations import: idempotent, all-or-nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from warden.core.models import AuditEntry
from warden.equipment.importing import assets_import, installations_import
from warden.equipment.models import Asset, AssetType, EquipmentImportRun, Installation, Location
from warden.equipment.tests.factories import AssetFactory, ProductFactory

pytestmark = pytest.mark.django_db

GOOD = (
    b"Asset Tag,Type,Manufacturer,Model,Serial Number,Room,Purchase Date,Warranty End,"
    b"BitLocker,MDM\r\n"
    b"WA0001,Laptop,Dell,Latitude 3440,SN-1001,ICT suite,01/09/2024,31/08/2027,Yes,Yes\r\n"
    b"WA0002,iPad,Apple,iPad 10th gen,SN-1002,Year 5,01/09/2024,,No,Yes\r\n"
    b"WA0003,Projector,Epson,EB-X49,SN-1003,Hall,15/01/2023,,,\r\n"
)


def _import(school, data, *, dry_run=False, actor=None):
    return assets_import(
        actor=actor, school=school, data=data, filename="assets.csv", dry_run=dry_run
    )


def test_importing_the_same_file_twice_changes_nothing_the_second_time(school, ict_manager):
    first = _import(school, GOOD, actor=ict_manager)
    assert first.outcome == "applied" and (first.created, first.updated) == (3, 0)
    tablet = Asset.objects.get(school=school, asset_tag="WA0002")
    assert tablet.asset_type == AssetType.TABLET and tablet.encrypted is False
    assert tablet.location is not None and tablet.location.name == "Year 5"
    assert Asset.objects.get(asset_tag="WA0003").holds_personal_data is False
    assert Location.objects.filter(school=school).count() == 3
    entries = AuditEntry.objects.count()
    again = _import(school, GOOD, actor=ict_manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    # Only the record of the run itself is audited; no asset changed.
    assert AuditEntry.objects.count() == entries + 1


def test_a_changed_row_updates_only_that_asset(school):
    _import(school, GOOD)
    changed = GOOD.replace(b"SN-1002,Year 5,01/09/2024,,No", b"SN-1002,Year 5,01/09/2024,,Yes")
    report = _import(school, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Asset.objects.get(asset_tag="WA0002").encrypted is True
    entry = AuditEntry.objects.filter(action="asset.updated").get()
    assert entry.changes == {"encrypted": [False, True]}


def test_one_bad_row_rejects_the_whole_file_with_line_numbers(school):
    bad = GOOD + b"WA0004,Toaster,Acme,T1,SN-1004,Hall,31/02/2024,,,\r\nWA0001,Laptop,,,,,,,,\r\n"
    report = _import(school, bad)
    assert report.outcome == "rejected" and report.blocked
    assert not Asset.objects.exists()
    where = {(e.line, e.column) for e in report.errors}
    assert (5, "Type") in where
    assert (5, "Purchase Date") in where
    assert any(e.line == 6 and "also on line 2" in e.message for e in report.errors)
    run = EquipmentImportRun.objects.get()
    assert run.outcome == "rejected" and run.errors[0]["line"] == 5


def test_a_serial_already_on_another_asset_is_refused(school):
    AssetFactory.create(school=school, asset_tag="OLD1", serial="SN-1001")
    report = _import(school, GOOD)
    assert report.blocked
    assert any("already on asset OLD1" in e.message and e.line == 2 for e in report.errors)


def test_a_dry_run_saves_nothing(school):
    report = _import(school, GOOD, dry_run=True)
    assert report.outcome == "dry_run" and report.created == 3
    assert not Asset.objects.exists()


def test_a_file_without_an_asset_tag_column_is_refused(school):
    report = _import(school, b"Type,Serial\r\nLaptop,SN1\r\n")
    assert report.blocked and "asset tag" in report.errors[0].message


def test_the_command_imports_and_reports(school, tmp_path, capsys):
    path = tmp_path / "assets.csv"
    path.write_bytes(GOOD)
    call_command("import_assets", str(path), "--school", school.slug, "--dry-run")
    assert not Asset.objects.exists()
    call_command("import_assets", str(path), "--school", school.slug)
    assert Asset.objects.filter(school=school).count() == 3
    assert AuditEntry.objects.filter(action="asset.created", via="cli").count() == 3
    out = capsys.readouterr().out
    assert "3 new" in out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(GOOD + b"WA0009,Toaster,,,,,,,,\r\n")
    with pytest.raises(CommandError, match="Rejected"):
        call_command("import_assets", str(bad), "--school", school.slug)
    assert "line 5: Type" in capsys.readouterr().out


def test_installations_import_is_idempotent_and_counts_seats(school):
    _import(school, GOOD)
    office = ProductFactory.create(school=school, name="Microsoft Office", seats=1)
    data = (
        b"Computer Name,Display Name,Display Version\r\n"
        b"WA0001,Microsoft Office,16.0\r\n"
        b"WA0002,Microsoft Office,16.0\r\n"
        b"WA0002,Notepad++,8.6\r\n"
    )
    report = installations_import(
        actor=None, school=school, data=data, filename="inv.csv", dry_run=False
    )
    assert (report.created, report.untracked) == (2, 1)
    again = installations_import(
        actor=None, school=school, data=data, filename="inv.csv", dry_run=False
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Installation.objects.filter(product=office, removed_at__isnull=True).count() == 2
    unknown = installations_import(
        actor=None,
        school=school,
        data=b"Computer Name,Display Name\r\nNOPE1,Microsoft Office\r\n",
        filename="inv.csv",
        dry_run=False,
    )
    assert unknown.blocked and unknown.errors[0].line == 2


def test_a_full_inventory_frees_seats_of_software_no_longer_found(school):
    _import(school, GOOD)
    office = ProductFactory.create(school=school, name="Microsoft Office", seats=5)
    data = b"Computer Name,Display Name\r\nWA0001,Microsoft Office\r\nWA0002,Microsoft Office\r\n"
    installations_import(actor=None, school=school, data=data, filename="a.csv", dry_run=False)
    later = b"Computer Name,Display Name\r\nWA0001,Microsoft Office\r\nWA0002,Paint\r\n"
    report = installations_import(
        actor=None, school=school, data=later, filename="b.csv", dry_run=False, full_inventory=True
    )
    assert report.removed == 1
    assert Installation.objects.filter(product=office, removed_at__isnull=True).count() == 1


def test_the_warden_command_line_takes_dashes(school, tmp_path):
    from warden.cli import main as warden

    path = tmp_path / "assets.csv"
    path.write_bytes(GOOD)
    warden(["import-assets", str(path), "--school", school.slug])
    assert Asset.objects.filter(school=school).count() == 3
    with pytest.raises(CommandError, match="No school"):
        call_command("import_assets", str(path), "--school", "nowhere")
