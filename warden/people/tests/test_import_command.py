from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.cli import main
from warden.core.models import AuditEntry
from warden.people.models import ImportRun, Person
from warden.people.tests.import_files import SIMS_HEADER, sims_pupils, write_csv
from warden.testing.factories import PupilFactory

DOB = SIMS_HEADER.index("DOB")


def warden(*args: str) -> int:
    """Run the ``warden`` command as a person would; its exit status."""
    try:
        main(list(args))
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def test_the_command_imports_a_file_and_a_second_run_reports_no_changes(school, tmp_path, capsys):
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(12))

    assert warden("import-people", str(path), "--school", "oakfield", "--type", "pupil") == 0
    first = capsys.readouterr().out
    assert "SIMS (recognised), 12 rows" in first and "12 new" in first

    assert warden("import-people", str(path), "--school", "oakfield", "--type", "pupil") == 0
    second = capsys.readouterr().out
    assert "0 new, 0 changed, 12 unchanged" in second
    assert "Applied: 0 changes saved." in second
    assert Person.objects.count() == 12
    assert set(AuditEntry.objects.values_list("via", flat=True)) == {"cli"}


def test_a_bad_date_on_line_57_fails_the_command_and_names_the_line(school, tmp_path, capsys):
    rows = sims_pupils(70)
    rows[55][DOB] = "57/13/2012"
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows)

    status = warden("import-people", str(path), "--school", "oakfield", "--type", "pupil")

    output = capsys.readouterr()
    assert status == 1
    assert "line 57: DOB: “57/13/2012” is not a real date" in output.out
    assert "Rejected: nothing was imported (1 row with errors)" in output.err
    assert not Person.objects.exists()
    assert ImportRun.objects.get().outcome == "rejected"


def test_skip_bad_rows_imports_the_rest_and_exits_cleanly(school, tmp_path, capsys):
    rows = sims_pupils(5)
    rows[0][DOB] = "yesterday"
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows)
    status = warden(
        "import-people", str(path), "--school", "oakfield", "--type", "pupil", "--skip-bad-rows"
    )
    assert status == 0
    assert "4 new" in capsys.readouterr().out and Person.objects.count() == 4


def test_dry_run_saves_nothing(school, tmp_path, capsys):
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(3))
    status = warden(
        "import-people", str(path), "--school", "oakfield", "--type", "pupil", "--dry-run"
    )
    assert status == 0
    assert "Dry run: nothing was saved." in capsys.readouterr().out
    assert not Person.objects.exists()


def test_mark_missing_as_leaving_from_the_command_line(school, tmp_path, capsys):
    gone: Person = PupilFactory.create(school=school, mis_id="999999")
    last_day = f"{timezone.localdate() + dt.timedelta(days=30):%d/%m/%Y}"
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(2))
    status = warden(
        "import-people",
        str(path),
        "--school=oakfield",
        "--type=pupil",
        "--mark-missing-as-leaving",
        f"--leaving-date={last_day}",
    )
    assert status == 0
    assert "1 marked as leaving" in capsys.readouterr().out
    gone.refresh_from_db()
    assert f"{gone.leaving_date:%d/%m/%Y}" == last_day


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--school", "nowhere", "--type", "pupil"], "No school has the slug “nowhere”"),
        (["--school", "oakfield"], "Say what kind of people this file holds"),
    ],
)
def test_the_command_says_what_is_wrong(school, tmp_path, capsys, args, message):
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(1))
    assert warden("import-people", str(path), *args) == 1
    output = capsys.readouterr()
    assert message in output.out + output.err


def test_a_dry_run_of_a_bad_file_fails_so_scripts_notice(school, tmp_path, capsys):
    rows = sims_pupils(3)
    rows[1][DOB] = "31/02/2013"
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows)
    status = warden(
        "import-people", str(path), "--school", "oakfield", "--type", "pupil", "--dry-run"
    )
    output = capsys.readouterr()
    assert status == 1
    assert "line 3: DOB:" in output.out
    assert "Dry run: the file would be rejected (1 row with errors)" in output.err
    assert ImportRun.objects.get().outcome == "dry_run"
