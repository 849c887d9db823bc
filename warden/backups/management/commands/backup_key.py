"""``warden backup-key FILE``: make the key pair backups are encrypted with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.backups.keys import backup_key_create
from warden.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Make a new backup key: writes the secret key to FILE (readable by you alone) and "
        "prints the public key to set as WARDEN_BACKUP_RECIPIENT. Keep FILE away from the "
        "server, where a restore can find it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A new file for the secret key.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key = backup_key_create(path=options["file"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Secret key written to {key.path}.")
        self.stdout.write(f"Set this on the server: WARDEN_BACKUP_RECIPIENT={key.recipient}")
        self.stdout.write(
            "Keep the secret key file safe and away from the server: without it no backup can "
            "be restored, and with it anyone can read them."
        )
