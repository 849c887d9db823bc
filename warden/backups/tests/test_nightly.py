"""The nightly job writes a backup into WARDEN_BACKUP_DIR and keeps the newest few."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone
from pyrage import x25519

from warden.backups.models import BackupRun
from warden.backups.tasks import backup_nightly
from warden.core.models import AuditEntry
from warden.core.schedule import all_jobs

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_the_nightly_job_writes_a_backup_and_keeps_the_newest(settings, tmp_path, transactional_db):
    settings.WARDEN_BACKUP_DIR = str(tmp_path / "backups")
    key = x25519.Identity.generate()
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    settings.WARDEN_BACKUP_RECIPIENT = [str(key.to_public())]
    settings.WARDEN_BACKUP_KEEP = 2
    folder = tmp_path / "backups"
    written = []
    for day in (4, 5, 6):
        with time_machine.travel(NOW.replace(day=day), tick=False):
            result = backup_nightly.enqueue().return_value
        assert result is not None
        written.append(str(result["file"]))
        removed = result["removed"]
    assert sorted(path.name for path in folder.iterdir()) == written[1:]
    assert written == [f"warden-202612{day:02d}-090000.tar.age" for day in (4, 5, 6)]
    assert removed == [written[0]]  # by the last night's run
    pruned = AuditEntry.objects.get(action="backup.pruned")
    assert pruned.changes == {"files": [written[0]], "kept": 2}
    assert pruned.via == "task"
    assert BackupRun.objects.filter(result="ok").count() == 3
    assert timezone.localtime(BackupRun.objects.latest("finished_at").finished_at).day == 6


def test_without_a_backup_folder_the_nightly_job_writes_nothing(settings, db):
    settings.WARDEN_BACKUP_DIR = None
    assert "backups.nightly" in {job.name for job in all_jobs()}
    assert backup_nightly.enqueue().return_value == {"file": None, "size": 0, "removed": []}
    assert not BackupRun.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="backup.").exists()
