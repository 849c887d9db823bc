"""``warden agreements remind --school SLUG``: e-mail reminders to people due to sign."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.agreements.selectors import people_past_grace
from warden.agreements.services import reminders_send
from warden.core.audit import audit_context
from warden.core.models import School


class Command(BaseCommand):
    help = (
        "Acceptable-use agreements. 'remind' e-mails everyone due to sign (run daily); "
        "'past-grace' lists who is past the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["remind", "past-grace"])
        parser.add_argument("--school", required=True, help="The school's slug.")
        parser.add_argument(
            "--base-url", default=None, help="Where Warden is reached, for links in e-mails."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.select_related("trust").filter(slug=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with slug {options['school']!r}.")
        with audit_context(via="cli", acting_school=school):
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
