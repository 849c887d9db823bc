"""``warden filter-snapshot --school SLUG``: publish a school's filtering policy now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.services.filtering import snapshot_publish


class Command(BaseCommand):
    help = "Compile the filtering policy from the database into the snapshot the helpers read."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--school", help="the school's slug")
        which.add_argument("--all", action="store_true", help="every school")

    def handle(self, *args: Any, **options: Any) -> None:
        schools = (
            list(School.objects.select_related("trust"))
            if options["all"]
            else [school_from_option(options["school"])]
        )
        failed = 0
        for school in schools:
            with audit_context(via="cli", acting_school=school):
                try:
                    result = snapshot_publish(school=school, reason="warden filter-snapshot")
                except ServiceError as exc:
                    self.stderr.write(exc.message)
                    failed += 1
                    continue
            counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
            lists = "lists rewritten" if result.lists_rewritten else "lists unchanged"
            self.stdout.write(f"{school.slug}: {result.path} ({counts}; {lists})")
        if failed:
            raise CommandError(f"{failed} school(s) not published; see above.")
