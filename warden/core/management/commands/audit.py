"""``warden audit verify``: prove the audit trail's hash chain is intact."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_verify


class Command(BaseCommand):
    help = "Work with the audit trail. 'verify' checks every entry's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"Audit trail broken after {result.checked} good entries: {result.problem}"
            )
        self.stdout.write(f"Audit trail intact: {result.checked} entries verified.")
