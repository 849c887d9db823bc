"""The ICT manager's home page shows the last good backup and warns when none was written in
48 hours, or the last one failed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.backups.models import BackupRun

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def run(result: str, hours_ago: float, **fields) -> BackupRun:
    at = NOW - dt.timedelta(hours=hours_ago)
    return BackupRun.objects.create(
        started_at=at - dt.timedelta(minutes=2), finished_at=at, result=result, **fields
    )


def home(client_for, user) -> str:
    with time_machine.travel(NOW, tick=False):
        page = client_for(user).get(reverse("core:dashboard"))
    assert page.status_code == 200
    return page.content.decode()


@pytest.fixture
def nightly(settings, tmp_path):
    settings.WARDEN_BACKUP_DIR = str(tmp_path / "backups")


def test_the_ict_manager_sees_the_last_good_backup(ict_manager, client_for, nightly):
    run("ok", 30, file_name="warden-20261206-020000.tar.age", size=2_400_000,
        message="the SQLite database and 12 files")  # fmt: skip
    run("ok", 54, file_name="warden-20261205-020000.tar.age", size=2_300_000)
    page = home(client_for, ict_manager)
    assert "Last good backup: <strong>06/12/2026 03:00</strong>" in page
    assert "warden-20261206-020000.tar.age (2.3\xa0MB; the SQLite database and 12 files)" in page
    assert "No backup has been written" not in page


def test_no_good_backup_in_48_hours_is_a_warning_with_the_last_failure(
    ict_manager, client_for, nightly
):
    run("ok", 50, file_name="warden-20261205-070000.tar.age", size=1000)
    run("failed", 2, message="pg_dump failed: connection refused")
    page = home(client_for, ict_manager)
    assert "No backup has been written for more than 48 hours." in page
    assert "Last good backup: <strong>05/12/2026 07:00</strong>" in page
    assert "The backup of 07/12/2026 07:00 failed: pg_dump failed: connection refused" in page


def test_a_site_that_never_wrote_a_backup_is_warned(ict_manager, client_for, nightly):
    page = home(client_for, ict_manager)
    assert "No backup has been written yet." in page


def test_without_a_backup_folder_the_page_says_nightly_backups_are_off(
    ict_manager, client_for, settings
):
    settings.WARDEN_BACKUP_DIR = None
    page = home(client_for, ict_manager)
    assert "Nightly backups are off: set <code>WARDEN_BACKUP_DIR</code>" in page
    assert "No backup has been written yet" not in page


def test_teachers_and_governors_see_no_backups_panel(teacher, governor, client_for, nightly):
    run("ok", 1, file_name="warden-20261207-080000.tar.age", size=1000)
    for user in (teacher, governor):
        assert "Last good backup" not in home(client_for, user)
