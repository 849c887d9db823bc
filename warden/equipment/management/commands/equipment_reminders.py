"""``warden equipment-reminders [--school SLUG]``: e-mail borrowers of overdue loans."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from warden.core.audit import audit_context
from warden.core.models import School
from warden.equipment.services.loans import loan_reminders_send


class Command(BaseCommand):
    help = "Remind borrowers whose loans are overdue (at most every three days each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", default=None, help="one school's slug (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        schools = School.objects.select_related("trust")
        if options["school"]:
            schools = schools.filter(slug=options["school"])
        total = 0
        for school in schools:
            with audit_context(via="cli", acting_school=school):
                total += loan_reminders_send(school=school)
        self.stdout.write(f"{total} reminder(s) queued.")
