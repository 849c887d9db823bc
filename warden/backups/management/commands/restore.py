"""``warden restore BACKUP``: restore a backup into this new, empty installation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from warden.backups.services import backup_restore
from warden.core.audit import audit_context
from warden.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Restore a backup written by 'warden backup' into this installation, which must be "
        "empty (a new database with no tables: run this before 'warden migrate'). Needs the "
        "secret key in WARDEN_BACKUP_IDENTITY or WARDEN_BACKUP_IDENTITY_FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="The backup file to restore.")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(via="cli"):
            try:
                report = backup_restore(archive=options["backup"])
            except ServiceError as exc:
                raise CommandError(exc.message) from None
        written = parse_datetime(report.written_at)
        when = f"{timezone.localtime(written):%d/%m/%Y %H:%M}" if written else report.written_at
        self.stdout.write(
            f"Restored the backup of {when}: the {report.database} database and "
            f"{report.files} files."
        )
        if report.secret_key_restored:
            self.stdout.write("The site's secret key was restored with it.")
        else:
            self.stdout.write(
                "The backed-up site took SECRET_KEY from its environment: give this "
                "installation the same SECRET_KEY (or WARDEN_AUDIT_KEY), or the audit "
                "checkpoints will not verify."
            )
        self.stdout.write(
            "Next: 'warden migrate' (if this Warden is newer), 'warden audit verify', "
            "'warden filter-snapshot --all', then start the server and the worker."
        )
