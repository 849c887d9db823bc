"""``warden accounts deadlines|enforce|daily``: the accounts area's scheduled work by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.accounts.services import accounts_settings, agreements_enforce, deadlines_process
from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School


def school_by_slug(slug: str) -> School:
    school = School.objects.select_related("trust").filter(slug=slug).first()
    if school is None:
        known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
        raise CommandError(f"No school has the slug “{slug}” (known: {known}).")
    return school


class Command(BaseCommand):
    help = (
        "deadlines: disable leavers' remote access and accounts on connected directories at "
        "their removal deadline, e-mail the ICT manager and SIRO about the other leavers' "
        "accounts past it (once per account) and disable expired supply, visitor and contractor "
        "accounts. enforce: suspend the accounts of people past the agreement grace period, "
        "where the school turned automatic suspension on. daily: queue both for the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["deadlines", "enforce", "daily"])
        parser.add_argument("--school", help="the school's slug (enforce: required)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        school = school_by_slug(options["school"]) if options["school"] else None
        try:
            if action == "deadlines":
                with audit_context(via="cli", acting_school=school):
                    report = deadlines_process(school=school)
                self.stdout.write(
                    f"{report.disabled} leavers' accounts disabled at their deadline, "
                    f"{report.notified} overdue accounts reported, "
                    f"{report.expired} expired accounts disabled."
                )
                for error in report.directory_errors:
                    self.stderr.write(f"Directory not updated: {error}")
            elif action == "enforce":
                if school is None:
                    raise CommandError("enforce needs --school SLUG.")
                if not accounts_settings(school).auto_suspend:
                    self.stdout.write(
                        f"Automatic suspension is off at {school.name}; nothing was suspended. "
                        "Turn it on in the accounts settings, or suspend from the suspension list."
                    )
                    return
                with audit_context(via="cli", acting_school=school):
                    suspended = agreements_enforce(actor=None, school=school)
                self.stdout.write(f"{suspended} accounts suspended at {school.name}.")
            else:
                from warden.accounts.tasks import enforce_agreements, process_deadlines

                process_deadlines.enqueue()
                enforce_agreements.enqueue()
                self.stdout.write("Queued the deadline check and agreement enforcement.")
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
