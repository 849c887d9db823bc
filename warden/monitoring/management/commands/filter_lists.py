"""``warden filter-lists import|show|remove``: a school's filtering lists from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.models.filtering import ListFormat, ListSource
from warden.monitoring.services.filtering import list_import, list_remove


class Command(BaseCommand):
    help = (
        "Manage filtering lists. “import” reads a UT1/squidGuard folder (CATEGORY/domains, "
        "CATEGORY/urls), a hosts file or a plain domain list; importing under a name already "
        "in use replaces that list. “show” lists them; “remove” stops using one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        importing = actions.add_parser("import", help="import a list")
        importing.add_argument("path", type=Path, help="the folder (ut1) or file")
        importing.add_argument("--school", help="the school's slug")
        importing.add_argument(
            "--format", dest="fmt", required=True, choices=ListFormat.values, help="list format"
        )
        importing.add_argument("--name", help="the list's name (default: the file name)")
        importing.add_argument(
            "--category", default="", help="the category of every entry (hosts, domains)"
        )
        show = actions.add_parser("show", help="the lists in use")
        show.add_argument("--school", help="the school's slug")
        remove = actions.add_parser("remove", help="stop using a list")
        remove.add_argument("name", help="the list's name")
        remove.add_argument("--school", help="the school's slug")
        remove.add_argument("--reason", required=True, help="why (for the change log)")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        action = options["action"]
        if action == "show":
            for source in ListSource.objects.filter(school=school, is_active=True):
                self.stdout.write(
                    f"{source.name}\t{source.format}\t{source.entry_count}\t{source.origin}"
                )
            return
        with audit_context(via="cli", acting_school=school):
            try:
                if action == "remove":
                    found = ListSource.objects.filter(
                        school=school, name=options["name"], is_active=True
                    ).first()
                    if found is None:
                        raise CommandError(f"{school.slug} has no list called {options['name']!r}.")
                    list_remove(actor=None, source=found, reason=options["reason"])
                    self.stdout.write(f"{found.name} is no longer used.")
                    return
                source = list_import(
                    actor=None,
                    school=school,
                    fmt=options["fmt"],
                    path=options["path"],
                    name=options["name"] or "",
                    category=options["category"],
                )
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
        top = sorted(source.category_counts.items(), key=lambda item: -item[1])[:8]
        summary = ", ".join(f"{slug} {n}" for slug, n in top)
        self.stdout.write(
            f"{school.slug}: list {source.name!r} imported, {source.entry_count} entries "
            f"({summary}); {source.skipped_count} lines skipped."
        )
