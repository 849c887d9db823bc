"""``warden people pull --school SLUG``: pull the school's newest MIS export now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.people.feeds import feed_for_school, feed_pull


class Command(BaseCommand):
    help = (
        "The people register. 'pull --school S' fetches the newest file of the school's MIS "
        "feed (a folder or an SFTP drop) that has not been imported yet and imports it with "
        "the feed's preset, or holds it for review; exits 1 when the file is rejected or the "
        "drop cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        pull = actions.add_parser("pull", help="Pull the newest MIS export now.")
        pull.add_argument("--school", required=True, help="The school's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.select_related("trust").filter(slug=options["school"]).first()
        if school is None:
            known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No school has the slug “{options['school']}” (known: {known}).")
        feed = feed_for_school(school)
        if feed is None:
            raise CommandError(
                f"{school.name} has no MIS feed: set one up under People → MIS feed."
            )
        try:
            with audit_context(via="cli", acting_school=school):
                result = feed_pull(feed=feed, actor=None)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(result.message)
        if result.report is not None:
            for error in result.report.errors:
                self.stdout.write(str(error))
        if result.outcome == "rejected":
            raise CommandError("The file was not imported.")
