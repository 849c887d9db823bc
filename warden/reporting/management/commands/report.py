"""``warden report governors``: the governors' report as PDF, for a school or a trust.

    warden report governors --school SLUG --term autumn-2026 --pdf OUT.pdf
    warden report governors --school SLUG --year 2026-27 --pdf OUT.pdf
    warden report governors --trust SLUG --term autumn-2026 --pdf OUT.pdf

Without ``--term`` or ``--year``: the term going on now (in a holiday, the one just ended).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from warden.core.audit import audit_context, audit_log
from warden.core.errors import ServiceError
from warden.core.models import School, Trust
from warden.reporting import pdf, report


class Command(BaseCommand):
    help = "The governors' report as PDF: --school SLUG or --trust SLUG, --term or --year."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", choices=["governors"])
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", help="The school's slug.")
        where.add_argument("--trust", help="A trust's slug: one row per school and totals.")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--term", default="", help="A term, e.g. autumn-2026.")
        when.add_argument("--year", default="", help="A school year, e.g. 2026-27.")
        parser.add_argument("--pdf", required=True, type=Path, help="Where to write the PDF.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        out: Path = options["pdf"]
        if not out.parent.is_dir():
            raise CommandError(f"There is no folder {out.parent} to write the PDF into.")
        with audit_context(via="cli"):
            try:
                content, school, title = self._render(options, now)
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            out.write_bytes(content)
            audit_log(
                actor=None,
                action="reports.trust_viewed" if options["trust"] else "reports.governors_viewed",
                school=school,
                changes={"period": [None, title], "format": [None, "pdf"]},
            )
        self.stdout.write(f"Wrote the report for {title} to {out}.")

    def _render(self, options: dict[str, Any], now: Any) -> tuple[bytes, School, str]:
        term, year = options["term"], options["year"]
        if options["trust"]:
            trust = Trust.objects.filter(slug=options["trust"]).first()
            if trust is None:
                raise CommandError(f"No trust with the slug {options['trust']!r}.")
            schools = list(
                School.objects.filter(trust=trust).select_related("trust").order_by("name")
            )
            if not schools:
                raise CommandError(f"The trust {trust.name} has no schools yet.")
            found = report.trust_report(schools, term=term, year=year, now=now)
            context = {"trust_name": trust.name, "report": found}
            return pdf.pdf_bytes("reporting/trust_pdf.html", context), schools[0], found.title
        school = School.objects.select_related("trust").filter(slug=options["school"]).first()
        if school is None:
            raise CommandError(f"No school with the slug {options['school']!r}.")
        single = report.report_for(school, term=term, year=year, now=now)
        context = {"school": school, "report": single}
        return pdf.pdf_bytes("reporting/governors_pdf.html", context), school, single.title
