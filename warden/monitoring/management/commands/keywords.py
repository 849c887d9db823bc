"""``warden keywords import|starter``: a school's keyword library from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.services.monitoring import (
    KEYWORD_FORMATS,
    keywords_import,
    keywords_load_starter,
)


class Command(BaseCommand):
    help = (
        "Manage keyword libraries. “import” reads an LDNOOBW list (a file, or a folder of "
        "language files), an e2guardian weighted phrase list or a Warden keyword file (TSV); "
        "“starter” gives a school Warden's starter library. Both add only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser("import", help="import a keyword list")
        importing.add_argument("path", type=Path, help="the list file (or LDNOOBW folder)")
        importing.add_argument("--school", help="the school's slug")
        importing.add_argument(
            "--format", dest="fmt", required=True, choices=KEYWORD_FORMATS, help="the list format"
        )
        importing.add_argument("--category", help="file every phrase under this category")
        importing.add_argument("--severity", type=int, help="give every phrase this severity")
        importing.add_argument("--language", help="language tag (LDNOOBW: default file name)")
        importing.add_argument(
            "--skip-bad-lines", action="store_true", help="import the good lines, report the rest"
        )
        starter = actions.add_parser("starter", help="load Warden's starter library")
        group = starter.add_mutually_exclusive_group(required=True)
        group.add_argument("--school", help="the school's slug")
        group.add_argument("--all", action="store_true", help="every school")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "starter":
            schools = (
                list(School.objects.select_related("trust"))
                if options["all"]
                else [school_from_option(options["school"])]
            )
            for school in schools:
                with audit_context(via="cli", acting_school=school):
                    added = keywords_load_starter(actor=None, school=school)
                self.stdout.write(
                    f"{school.slug}: {added['keywords']} phrases and "
                    f"{added['keyword exclusions']} exclusions added."
                )
            return
        school = school_from_option(options["school"])
        try:
            with audit_context(via="cli", acting_school=school):
                report = keywords_import(
                    actor=None,
                    school=school,
                    fmt=options["fmt"],
                    path=options["path"],
                    category=options["category"],
                    severity=options["severity"],
                    language=options["language"],
                    skip_bad_lines=options["skip_bad_lines"],
                )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        for bad in report.bad_lines:
            self.stdout.write(f"skipped {bad}")
        self.stdout.write(
            f"{report.source}: {report.found} phrases read, {report.added} added, "
            f"{report.already} already in {school.name}'s library."
        )
