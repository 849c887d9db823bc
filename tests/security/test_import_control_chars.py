"""Control characters: every import refuses a file holding one, with the line, before it
writes anything.

A NUL byte in a people CSV gave a 500 on PostgreSQL (which refuses NUL in text). Run this
file on PostgreSQL too: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.equipment.importing import assets_import
from warden.equipment.models import Asset, EquipmentImportRun
from warden.lib.textcheck import control_character_refusal, find_control_character
from warden.monitoring.models import IpLease, Keyword
from warden.monitoring.models.filtering import ListSource
from warden.monitoring.services.filtering import list_import
from warden.monitoring.services.monitoring import keywords_import, leases_import
from warden.people.models import ImportRun, Person
from warden.people.tests.import_files import SIMS_HEADER, sims_pupils, write_csv

pytestmark = pytest.mark.django_db

CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"]


@pytest.fixture(autouse=True)
def _places(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    settings.WARDEN_FILTER_DIR = str(tmp_path / "filtering")


def _people_file(tmp_path: Path, char: str) -> Path:
    rows = sims_pupils(4)
    rows[1][3] = f"Ava{char}Jones"  # the second pupil's first name: line 3 of the file
    return write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows)


@pytest.mark.parametrize("char", CONTROLS)
def test_a_people_csv_with_a_control_character_is_refused_with_its_line(
    char, school, office, client_for, tmp_path
):
    path = _people_file(tmp_path, char)
    with path.open("rb") as handle:
        response = client_for(office).post(
            reverse("people_import:upload"),
            {"file": handle, "source": "", "default_type": "pupil"},
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "has a control character" in text and "on line 3" in text
    assert not ImportRun.objects.exists()
    assert not Person.objects.exists()


def test_the_people_command_refuses_a_nul_byte_too(school, tmp_path, capsys):
    from warden.cli import main as warden

    path = _people_file(tmp_path, "\x00")
    with pytest.raises(SystemExit) as exit_:
        warden(["import-people", str(path), "--school", school.slug, "--type", "pupil"])
    assert exit_.value.code != 0
    assert "NUL (code 0), on line 3" in capsys.readouterr().err
    assert not Person.objects.exists() and not ImportRun.objects.exists()


def test_an_asset_csv_with_a_nul_byte_is_refused_before_anything_is_written(school):
    data = (
        b"Asset Tag,Type,Manufacturer,Model,Serial Number\r\n"
        b"WA0001,Laptop,Dell,Latitude,SN-1\r\n"
        b"WA0002,Laptop,Dell,Lati\x00tude,SN-2\r\n"
    )
    with pytest.raises(ServiceError, match="NUL \\(code 0\\), on line 3"):
        assets_import(actor=None, school=school, data=data, filename="a.csv", dry_run=False)
    assert not Asset.objects.exists() and not EquipmentImportRun.objects.exists()


def test_a_lease_export_with_a_control_character_is_refused_with_its_line(school):
    data = b"ip,mac,username,start,end\n10.0.0.1,aa,pupil\x07.one,2025-03-10T08:00:00Z,\n"
    with pytest.raises(ServiceError, match="on line 2"):
        leases_import(actor=None, school=school, data=data, filename="leases.csv")
    assert not IpLease.objects.exists()


@pytest.mark.parametrize(
    ("fmt", "name", "content"),
    [
        ("warden", "library.tsv", "phrase\tcategory\tseverity\nkill myself\tself-harm\t5\n"),
        ("ldnoobw", "en", "badword\nanother\n"),
        ("e2guardian", "weighted", "<ganja><50>\n<weed><40>\n"),
    ],
)
def test_a_keyword_file_with_a_nul_byte_is_refused_even_when_skipping_bad_lines(
    fmt, name, content, school, tmp_path
):
    lines = content.splitlines(keepends=True)
    lines[1] = lines[1][:3] + "\x00" + lines[1][3:]
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    for skip in (False, True):
        with pytest.raises(ServiceError, match="line 2: has a control character, NUL"):
            keywords_import(actor=None, school=school, fmt=fmt, path=path, skip_bad_lines=skip)
    assert not Keyword.objects.exists()


@pytest.mark.parametrize("fmt", ["domains", "hosts"])
def test_a_list_file_with_a_control_character_is_refused_with_its_line(fmt, school, tmp_path):
    path = tmp_path / "gambling-hosts.txt"
    path.write_bytes(b"0.0.0.0 casino-one.test\n0.0.0.0 casino\x00two.test\n")
    with pytest.raises(ServiceError, match="NUL \\(code 0\\), on line 2") as refused:
        list_import(actor=None, school=school, fmt=fmt, path=path, category="gambling")
    assert "casino" not in refused.value.message
    assert not ListSource.objects.exists()


def test_line_numbers_count_every_kind_of_line_break():
    assert find_control_character("a\r\nb\rc\nd\x00") == (4, "NUL (code 0)")
    assert find_control_character("tabs\tand\r\nbreaks\n") is None
    assert control_character_refusal("ok\n\x1b[31m").startswith(
        "The file has a control character, escape (code 27), on line 2."
    )
