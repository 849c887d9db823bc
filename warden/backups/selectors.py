"""What the home page says about backups: the last good one, and whether one is overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from warden.backups.models import BackupRun

# Nightly backups: a good one older than two nights means at least one night went missing.
OVERDUE_AFTER = dt.timedelta(hours=48)


@dataclass(frozen=True)
class BackupStatus:
    scheduled: bool
    last_good: BackupRun | None
    last_failed: BackupRun | None
    """The newest failure, when it is newer than the last good backup."""
    overdue: bool


def backup_status(*, now: dt.datetime | None = None) -> BackupStatus:
    now = now or timezone.now()
    scheduled = bool(settings.WARDEN_BACKUP_DIR)
    last_good = BackupRun.objects.filter(result=BackupRun.Result.OK).first()
    failed = BackupRun.objects.filter(result=BackupRun.Result.FAILED)
    if last_good is not None:
        failed = failed.filter(finished_at__gt=last_good.finished_at)
    overdue = scheduled and (last_good is None or last_good.finished_at < now - OVERDUE_AFTER)
    return BackupStatus(
        scheduled=scheduled, last_good=last_good, last_failed=failed.first(), overdue=overdue
    )
