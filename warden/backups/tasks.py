"""The nightly backup: a thin wrapper the worker runs once a day."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from warden.backups.services import backup_prune, backup_write
from warden.core.tasks import warden_task


@warden_task
def backup_nightly() -> dict[str, object]:
    """Write a backup into WARDEN_BACKUP_DIR and keep the newest WARDEN_BACKUP_KEEP there;
    nothing, where no folder is configured (docs/operations.md)."""
    if not settings.WARDEN_BACKUP_DIR:
        return {"file": None, "size": 0, "removed": []}
    folder = Path(settings.WARDEN_BACKUP_DIR)
    run = backup_write(out=folder, folder=True)
    removed = backup_prune(folder=folder, keep=settings.WARDEN_BACKUP_KEEP)
    return {"file": run.file_name, "size": run.size, "removed": removed}
