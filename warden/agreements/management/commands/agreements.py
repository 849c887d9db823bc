"""``warden agreements remind|past-grace|refresh``: reminders, who is past the grace period,
and recomputing the stored standings by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.agreements.selectors import people_past_grace
from warden.agreements.services import reminders_send, standings_refresh
from warden.core.audit import audit_context
from warden.core.models import School


class Command(BaseCommand):
    help = (
        "Acceptable-use agreements. 'remind' e-mails everyone due to sign (run daily); "
        "'past-grace' lists who is past the grace period; 'refresh' recomputes where "
        "everyone stands (the daily job does it too), for one school or, without --school, "
        "every school."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["remind", "past-grace", "refresh"])
        parser.add_argument(
            "--school", help="The school's slug (needed except for 'refresh', which may do all)."
        )
        parser.add_argument(
            "--base-url", default=None, help="Where Warden is reached, for links in e-mails."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["school"]
        if slug is None and options["action"] != "refresh":
            raise CommandError(
                f"Name the school: warden agreements {options['action']} --school SLUG."
            )
        schools = School.objects.select_related("trust").order_by("slug")
        if slug is not None:
            schools = schools.filter(slug=slug)
            if not schools.exists():
                raise CommandError(f"No school with slug {slug!r}.")
        for school in schools:
            with audit_context(via="cli", acting_school=school):
                self._for_school(school, options)

    def _for_school(self, school: School, options: dict[str, Any]) -> None:
        if options["action"] == "refresh":
            changed = standings_refresh(school=school)
            self.stdout.write(f"{changed} stored standing(s) changed at {school.name}.")
            return
        if options["action"] == "remind":
            result = reminders_send(school=school, root=options["base_url"])
            self.stdout.write(
                f"{result.sent} reminder(s) e-mailed at {school.name}; "
                f"{result.without_email} due without an e-mail address."
            )
            return
        past = people_past_grace(school)
        for person, why in past:
            self.stdout.write(f"{person.pk}\t{person}\t{why}")
        self.stdout.write(f"{len(past)} past the grace period at {school.name}.")
