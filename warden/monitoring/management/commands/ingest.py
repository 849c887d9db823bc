"""``warden ingest --format squid|e2guardian|dns [--school SLUG] [--follow] FILE...``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.engine.logs import FORMATS
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.services.monitoring import IngestSummary, logs_ingest


class Command(BaseCommand):
    help = (
        "Ingest proxy or DNS logs: attribute each request to a person, match keywords in "
        "URLs and searches, store violations and archive every line. Safe to repeat and to "
        "stop: a file ingested again adds nothing, a stopped run carries on where it stopped. "
        "Use - to read standard input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="log files, or -")
        parser.add_argument("--format", dest="fmt", required=True, choices=FORMATS)
        parser.add_argument("--school", help="the school's slug (needed with several schools)")
        parser.add_argument(
            "--follow", action="store_true", help="keep reading as the logs grow (Ctrl-C stops)"
        )
        parser.add_argument(
            "--poll-seconds", type=float, default=1.0, help="how often --follow looks again"
        )
        parser.add_argument(
            "--max-polls", type=int, default=None, help="with --follow: stop after N looks"
        )
        parser.add_argument(
            "--chunk-bytes", type=int, default=None, help="bytes a chunk (commit unit)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes that analyse and archive chunks side by side (one a core)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        try:
            with audit_context(via="cli", acting_school=school):
                summary = logs_ingest(
                    actor=None,
                    school=school,
                    fmt=options["fmt"],
                    paths=options["files"],
                    follow=options["follow"],
                    poll_seconds=options["poll_seconds"],
                    max_polls=options["max_polls"],
                    chunk_bytes=options["chunk_bytes"],
                    workers=options["workers"],
                )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(describe(summary))


def describe(summary: IngestSummary) -> str:
    result = summary.result
    lines = []
    for bad in result.malformed[:20]:
        lines.append(f"line {bad.line_no}: {bad.reason}: {bad.text}")
    if not summary.classified:
        lines.append(
            "No filtering snapshot for this school yet: sites were not classified, only "
            "keywords were matched."
        )
    lines.append(
        f"{summary.school}: {result.lines} lines, {result.records} requests, "
        f"{result.malformed_count} malformed, {summary.new_violations} new violations "
        f"({result.violations} found, {summary.keywords} phrases), {result.chunks} chunks."
    )
    if summary.interrupted:
        lines.append("Stopped. Run the same command again to carry on.")
    return "\n".join(lines)
