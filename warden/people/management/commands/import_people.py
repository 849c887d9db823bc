"""``warden import-people FILE --school SLUG``: load people from an MIS export (CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.people.importing import ImportReport, parse_date, people_import
from warden.people.models import ImportRun, MisSource, PersonType


class Command(BaseCommand):
    help = (
        "Import people from a SIMS, Arbor, Bromcom or RM Integris CSV export. Creates people "
        "by MIS id and updates those whose details changed; the same file twice changes "
        "nothing. Any bad row rejects the whole file unless --skip-bad-rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file exported from the MIS")
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument(
            "--source",
            choices=MisSource.values,
            default="",
            help="the MIS that wrote the file (default: recognised from its header)",
        )
        parser.add_argument(
            "--type",
            dest="default_type",
            choices=PersonType.values,
            default=None,
            help="what the file holds, e.g. pupil (needed unless it has a type column)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="import the good rows, report the rest"
        )
        parser.add_argument(
            "--mark-missing-as-leaving",
            action="store_true",
            help="give people of this type who are not in the file a leaving date",
        )
        parser.add_argument(
            "--leaving-date",
            default=None,
            help="the leaving date for --mark-missing-as-leaving (dd/mm/yyyy; default today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.select_related("trust").filter(slug=options["school"]).first()
        if school is None:
            known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No school has the slug “{options['school']}” (known: {known}).")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        leaving_date = None
        if options["leaving_date"]:
            try:
                leaving_date = parse_date(options["leaving_date"])
            except ValueError as exc:
                raise CommandError(f"--leaving-date: {exc}") from None
        try:
            with audit_context(via="cli", acting_school=school):
                report = people_import(
                    actor=None,
                    school=school,
                    data=data,
                    filename=path.name,
                    source=options["source"],
                    mapping=None,
                    default_type=options["default_type"],
                    dry_run=options["dry_run"],
                    skip_bad_rows=options["skip_bad_rows"],
                    mark_missing_as_leaving=options["mark_missing_as_leaving"],
                    leaving_date=leaving_date,
                )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(summary(report, path.name))
        for error in report.errors:
            self.stdout.write(str(error))
        if report.outcome == ImportRun.Outcome.APPLIED:
            self.stdout.write(f"Applied: {report.changes} changes saved.")
            return
        if not report.blocked:
            self.stdout.write("Dry run: nothing was saved.")
            return
        dry_run = report.outcome == ImportRun.Outcome.DRY_RUN
        verdict = (
            "Dry run: the file would be rejected" if dry_run else "Rejected: nothing was imported"
        )
        if report.fatal:
            raise CommandError(f"{verdict}. Correct the file and run again.")
        rows = f"{report.bad_rows} row{'s' if report.bad_rows != 1 else ''}"
        raise CommandError(
            f"{verdict} ({rows} with errors). Fix them in the MIS and export again, "
            f"or {'import' if dry_run else 'run again'} with --skip-bad-rows."
        )


def summary(report: ImportReport, filename: str) -> str:
    """The file, the MIS and (unless rejected) what the import did or would do."""
    source = MisSource(report.source).label
    detected = " (recognised)" if report.source == report.detected_source else ""
    lines = [f"{filename}: {source}{detected}, {report.rows} rows."]
    if not report.rejected:
        lines.append(
            f"  {report.created} new, {report.updated} changed, {report.unchanged} unchanged, "
            f"{report.skipped} skipped, {report.marked_leaving} marked as leaving; "
            f"parent links: {report.links_created} new, {report.links_updated} changed."
        )
    return "\n".join(lines)
