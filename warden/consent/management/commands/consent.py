"""``warden consent check|purposes|remind``: the check before publishing, the purposes'
short names, and reminders by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.consent.lines import resolve_pupils
from warden.consent.models import Purpose
from warden.consent.rules import purpose_by_slug
from warden.consent.selectors import refused_rows
from warden.consent.services import reminders_send
from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School

# Exit statuses of "check": everyone may appear (0), someone may not (1), the file has
# lines that name no single pupil (2, whatever else it found).
MAY_NOT_APPEAR, UNRESOLVED = 1, 2


class Command(BaseCommand):
    help = (
        "Consent for images. 'check --purpose P FILE' prints every pupil of FILE (one a "
        'line: UPN, admission number or "First Last (Form)") who may not appear, and exits '
        "1 when anyone may not, 2 when a line names no single pupil; 'purposes' lists the "
        "school's purposes, short name first; 'remind' e-mails reminders (the daily job does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="Who of a class list may not appear.")
        check.add_argument("--purpose", required=True, help="The purpose's short name.")
        check.add_argument(
            "file", help='One pupil a line: UPN, admission number or "First Last (Form)".'
        )
        purposes = actions.add_parser("purposes", help="The school's purposes, short name first.")
        remind = actions.add_parser(
            "remind", help="E-mail reminders to those who have not answered."
        )
        remind.add_argument(
            "--base-url", default=None, help="Where Warden is reached, for links in e-mails."
        )
        for sub in (check, purposes, remind):
            sub.add_argument("--school", required=True, help="The school's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.select_related("trust").filter(slug=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with slug {options['school']!r}.")
        with audit_context(via="cli", acting_school=school):
            if options["action"] == "purposes":
                self._purposes(school)
            elif options["action"] == "remind":
                result = reminders_send(school=school, root=options.get("base_url"))
                self.stdout.write(
                    f"{result.sent} reminder(s) e-mailed at {school.name}; "
                    f"{result.without_email} without an e-mail address."
                )
            else:
                code = self._check(school, options)
                if code:
                    raise SystemExit(code)

    def _purposes(self, school: School) -> None:
        for purpose in Purpose.objects.filter(school=school):
            self.stdout.write(f"{purpose.slug}\t{purpose.name}\t{purpose.get_asks_display()}")

    def _check(self, school: School, options: dict[str, Any]) -> int:
        try:
            purpose = purpose_by_slug(school, options["purpose"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        path = Path(options["file"])
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        pupils, problems = resolve_pupils(school, lines)
        refused = refused_rows(school, purpose, pupils)
        for number, text, problem in problems:
            self.stderr.write(f"line {number}: {text}: {problem}")
        for row in refused:
            pupil = row.pupil
            self.stdout.write(
                f"MAY NOT APPEAR\t{pupil.full_name} ({pupil.form or 'no form'})"
                f"\t{row.consent.reason}"
            )
        self.stdout.write(
            f"{len(refused)} of {len(pupils)} pupil(s) may not appear for {purpose.name}"
            + (f"; {len(problems)} line(s) name no single pupil." if problems else ".")
        )
        if problems:
            return UNRESOLVED
        return MAY_NOT_APPEAR if refused else 0
