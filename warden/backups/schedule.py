"""The nightly backup. Listed always, so ``warden schedule`` shows it; it writes a backup only
where ``WARDEN_BACKUP_DIR`` says where to put it."""

from datetime import timedelta

from warden.backups.tasks import backup_nightly
from warden.core.schedule import Job

JOBS = [
    Job(
        "backups.nightly",
        timedelta(days=1),
        backup_nightly,
        "Write an encrypted backup into WARDEN_BACKUP_DIR (when set) and keep the newest few",
    )
]
