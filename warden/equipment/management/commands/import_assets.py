"""``warden import-assets FILE --school SLUG [--dry-run]``: load the asset register (CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.equipment.importing import ImportReport, assets_import, installations_import


def school_by_slug(slug: str) -> School:
    school = School.objects.select_related("trust").filter(slug=slug).first()
    if school is None:
        known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"No school has the slug “{slug}” (known: {known}).")
    return school


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None


def finish(command: BaseCommand, report: ImportReport, filename: str) -> None:
    """Print what the import did, its errors by line, and fail when it was refused."""
    command.stdout.write(
        f"{filename}: {report.rows} rows; {report.created} new, {report.updated} changed, "
        f"{report.unchanged} unchanged"
        + (f", {report.removed} removed" if report.removed else "")
        + (f", {report.untracked} not licensed products" if report.untracked else "")
        + "."
    )
    for error in report.errors:
        command.stdout.write(str(error))
    if report.outcome == "applied":
        command.stdout.write(f"Applied: {report.changes} changes saved.")
        return
    if not report.blocked:
        command.stdout.write("Dry run: nothing was saved.")
        return
    verdict = "Dry run: the file would be rejected" if report.outcome == "dry_run" else "Rejected"
    raise CommandError(
        f"{verdict} ({report.bad_rows} line(s) with errors); nothing was imported. "
        "Correct the file and run again."
    )


class Command(BaseCommand):
    help = (
        "Import the asset register from CSV. Creates assets by asset tag and updates those "
        "whose details changed; the same file twice changes nothing. Any bad row rejects the "
        "whole file. With --installations the file is a software inventory instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        parser.add_argument(
            "--installations",
            action="store_true",
            help="the file lists software installed per device (an inventory export)",
        )
        parser.add_argument(
            "--full-inventory",
            action="store_true",
            help="with --installations: mark licensed software missing from the file as removed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_slug(options["school"])
        path: Path = options["file"]
        data = read(path)
        try:
            with audit_context(via="cli", acting_school=school):
                if options["installations"]:
                    report = installations_import(
                        actor=None,
                        school=school,
                        data=data,
                        filename=path.name,
                        dry_run=options["dry_run"],
                        full_inventory=options["full_inventory"],
                    )
                else:
                    report = assets_import(
                        actor=None,
                        school=school,
                        data=data,
                        filename=path.name,
                        dry_run=options["dry_run"],
                    )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        finish(self, report, path.name)
