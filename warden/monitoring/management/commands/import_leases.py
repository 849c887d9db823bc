"""``warden import-leases FILE --school SLUG``: who held which IP address when (DHCP CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.services.monitoring import leases_import


class Command(BaseCommand):
    help = (
        "Import a DHCP lease export (CSV with ip, mac, username or MIS id, start, end) so "
        "ingestion can name who used an address. The same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--school", help="the school's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            with audit_context(via="cli", acting_school=school):
                report = leases_import(actor=None, school=school, data=data, filename=path.name)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{path.name}: {report.rows} leases, {report.created} new, {report.updated} changed, "
            f"{report.unchanged} unchanged."
        )
