"""``warden incidents sanctions|digest|weekly-report``: the incident log's scheduled runs.

- ``sanctions`` (daily): starts withdrawals due, ends those whose period is over and
  restores the accounts, lapses verbal warnings after 12 months.
- ``digest`` (daily): e-mails each school's DSL(s) the violations below severity 4 not yet
  in a digest, with the overdue count.
- ``weekly-report --school SLUG`` (weekly): the weekly report to the SIRO and headteacher.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.models import School
from warden.incidents.services.sanctions import sanctions_process
from warden.incidents.services.triage import triage_digest_send, weekly_report_send


class Command(BaseCommand):
    help = "Scheduled work of the e-safety incident log: sanctions, digest, weekly-report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["sanctions", "digest", "weekly-report", "weekly_report"]
        )
        parser.add_argument("--school", help="A school's slug (all schools when left out).")

    def _schools(self, slug: str | None, *, required: bool = False) -> list[School]:
        if slug:
            school = School.objects.select_related("trust").filter(slug=slug).first()
            if school is None:
                raise CommandError(f"No school with the slug {slug!r}.")
            return [school]
        if required:
            raise CommandError("Name the school: --school SLUG.")
        return list(School.objects.select_related("trust").order_by("slug"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("_", "-")
        with audit_context(via="cli"):
            if action == "sanctions":
                schools: list[School | None] = [None]
                if options["school"]:
                    schools = list(self._schools(options["school"]))
                for school in schools:
                    run = sanctions_process(school=school)
                    self.stdout.write(
                        f"Sanctions: {run.started} started, {run.ended} ended "
                        f"({run.accounts_restored} accounts restored), {run.lapsed} warnings "
                        f"lapsed; {run.regrouped} moved to the No internet filter group."
                    )
                    for problem in run.problems:
                        self.stderr.write(problem)
            elif action == "digest":
                for school in self._schools(options["school"]):
                    n = triage_digest_send(school=school)
                    self.stdout.write(f"{school.slug}: {n} violation(s) in the digest.")
            else:
                for school in self._schools(options["school"], required=True):
                    weekly_report_send(school=school)
                    self.stdout.write(f"{school.slug}: weekly report sent.")
