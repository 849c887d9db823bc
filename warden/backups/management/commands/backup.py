"""``warden backup OUT``: write an encrypted backup of the whole site."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from warden.backups.services import backup_write
from warden.core.audit import audit_context
from warden.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Write an encrypted backup (the database, uploaded files, the browsing-history "
        "archive, the audit checkpoints) to OUT, a new file or a folder. It is encrypted to "
        "WARDEN_BACKUP_RECIPIENT; 'warden restore' reads it back into an empty installation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="A new file, or a folder to write into.")

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(via="cli"):
            try:
                run = backup_write(out=options["out"])
            except ServiceError as exc:
                raise CommandError(exc.message) from None
        folder = options["out"] if options["out"].is_dir() else options["out"].parent
        self.stdout.write(
            f"Backup written: {folder / run.file_name} ({filesizeformat(run.size)}; {run.message})."
        )
