"""``warden filter-lists import|show|remove|update``: a school's filtering lists from the
command line; ``update`` downloads the lists that update themselves, for every school."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.models.filtering import ListFormat, ListSource
from warden.monitoring.services.filtering import list_import, list_remove
from warden.monitoring.services.list_feeds import list_feeds_update


class Command(BaseCommand):
    help = (
        "Manage filtering lists. “import” reads a UT1/squidGuard folder (CATEGORY/domains, "
        "CATEGORY/urls), a hosts file or a plain domain list; importing under a name already "
        "in use replaces that list. “show” lists them; “remove” stops using one. “update” "
        "downloads the lists that update themselves (every school's, or --source NAME)."
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
        update = actions.add_parser("update", help="download the lists that update themselves")
        update.add_argument("--source", default="", help="only the lists with this name")
        update.add_argument("--school", help="only this school's lists (default: every school)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "update":
            self._update(options["source"], options["school"])
            return
        school = school_from_option(options["school"])
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

    def _update(self, name: str, slug: str | None) -> None:
        school = school_from_option(slug) if slug else None
        with audit_context(via="cli"):
            results = list_feeds_update(name=name, school=school)
        if not results:
            raise CommandError(
                f"No list called {name!r} updates itself." if name else "No list updates itself."
            )
        for result in results:
            where = result.feed.school.slug
            line = f"{where}: {result.message}"
            self.stdout.write(line) if result.ok else self.stderr.write(line)
        if any(not result.ok for result in results):
            raise CommandError("Some lists were not updated; the lists in force were kept.")
