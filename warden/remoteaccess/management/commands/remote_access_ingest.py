"""``warden remote-access-ingest --school SLUG --format openvpn FILE...``: read remote-access
logs into events (policy duty "Remote connection attempts logged", docs/policy-map.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.monitoring.management.commands._school import school_from_option
from warden.remoteaccess.models import LogFormat
from warden.remoteaccess.services import remote_logs_ingest

SHOWN_MALFORMED = 5


class Command(BaseCommand):
    help = (
        "Read OpenVPN server logs or FreeRADIUS accounting (detail) and authentication "
        "(radius.log) files into remote-access events, naming people by user name, and raise "
        "an alert on a burst of failed attempts. Each file resumes where the last run stopped; "
        "reading a file again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--school", help="the school's slug")
        parser.add_argument(
            "--format",
            dest="fmt",
            required=True,
            choices=LogFormat.values,
            help="openvpn, radius-detail or radius-log",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        try:
            with audit_context(via="cli", acting_school=school):
                report = remote_logs_ingest(
                    actor=None, school=school, fmt=options["fmt"], paths=options["files"]
                )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
        for done in report.files:
            self.stdout.write(
                f"{Path(done.path).name}: {done.events} events read, {done.new} new, "
                f"{len(done.malformed)} lines not understood, {done.alerts_opened} alerts "
                f"raised, {done.alerts_extended} extended."
            )
            for bad in done.malformed[:SHOWN_MALFORMED]:
                self.stderr.write(f"  offset {bad.offset}: {bad.problem}: {bad.line[:120]}")
