"""``warden privacy export-person|retention``: a person's records as a bundle, and the
retention schedule's run.

``export-person --school SLUG --person ID OUT.zip`` writes everything Warden holds about
one person of that school (refused for a person of another school). ``retention [--school
SLUG] [--dry-run]`` lists, per school, what each record type has past its rule and what a
legal hold keeps; without ``--dry-run`` it also records the run for the SIRO to approve on
the retention page (nothing is removed until then).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.people.models import Person
from warden.records.retention_runs import retention_due, retention_find
from warden.records.services import person_export


class Command(BaseCommand):
    help = (
        "Data protection. 'export-person' writes a person's subject access bundle; "
        "'retention' lists what the retention schedule has due (--dry-run: list only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        export = commands.add_parser("export-person", help="A person's records as a zip.")
        export.add_argument("--school", required=True, help="The school's slug.")
        export.add_argument("--person", required=True, type=int, help="The person's id.")
        export.add_argument("out", help="Where to write the zip.")
        retention = commands.add_parser("retention", help="What retention has due.")
        retention.add_argument("--school", help="One school's slug (default: every school).")
        retention.add_argument(
            "--dry-run", action="store_true", help="List only; record no run to approve."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export-person":
            self._export(options)
        else:
            self._retention(options)

    def _school(self, slug: str) -> School:
        school = School.objects.select_related("trust").filter(slug=slug).first()
        if school is None:
            raise CommandError(f"No school has the slug “{slug}”.")
        return school

    def _export(self, options: dict[str, Any]) -> None:
        school = self._school(options["school"])
        person = Person.objects.filter(pk=options["person"], school=school).first()
        if person is None:
            raise CommandError(
                f"Person {options['person']} is not in the register of {school.name}: a "
                "bundle is made only at the person's own school."
            )
        with audit_context(via="cli", acting_school=school):
            try:
                data = person_export(actor=None, school=school, person=person)
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
        out = Path(options["out"])
        out.write_bytes(data)
        self.stdout.write(f"Wrote {out} ({len(data)} bytes) for {person.full_name}.")

    def _retention(self, options: dict[str, Any]) -> None:
        schools = School.objects.select_related("trust").order_by("slug")
        if options["school"]:
            schools = schools.filter(pk=self._school(options["school"]).pk)
        for school in schools:
            with audit_context(via="cli", acting_school=school):
                if options["dry_run"]:
                    found = retention_due(school=school)
                else:
                    found = retention_find(actor=None, school=school).found
            self._print(school, found, dry_run=options["dry_run"])

    def _print(self, school: School, found: dict[str, Any], *, dry_run: bool) -> None:
        self.stdout.write(f"{school.name} ({school.slug})")
        for entry in found.values():
            due = sum(item["count"] for item in entry["due"])
            self.stdout.write(f"  {entry['label']}: {entry['rule']} {due} due.")
            for item in entry["due"]:
                self.stdout.write(f"    would remove: {item['description']}")
            for item in entry["held"]:
                self.stdout.write(f"    held back: {item['description']} ({item['reason']})")
        if dry_run:
            self.stdout.write("  Dry run: nothing recorded, nothing removed.")
        else:
            self.stdout.write("  Recorded for approval on the retention page.")
