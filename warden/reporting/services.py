"""The reporting area's writes: a school's term dates for a school year, and the audit
entry of each report seen."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from django.db import transaction

from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.reporting.models import SchoolTerm, TermName
from warden.reporting.terms import TermDates, school_year_label, school_year_terms


def _problems(term: TermDates, start_year: int) -> dict[str, list[str]]:
    label = TermName(term.term).label
    found: dict[str, list[str]] = {}
    if term.last < term.first:
        found[f"{term.term}_last"] = [f"The {label.lower()} must end on or after its first day."]
    lowest, highest = (
        (dt.date(start_year, 8, 1), dt.date(start_year, 12, 31))
        if term.term == TermName.AUTUMN
        else (dt.date(start_year + 1, 1, 1), dt.date(start_year + 1, 8, 31))
    )
    if not lowest <= term.first <= highest or not lowest <= term.last <= highest:
        found.setdefault(f"{term.term}_first", []).append(
            f"The {label.lower()} of {school_year_label(start_year)} falls between "
            f"{lowest:%-d %B %Y} and {highest:%-d %B %Y}."
        )
    half = (term.half_term_first, term.half_term_last)
    if (half[0] is None) != (half[1] is None):
        found[f"{term.term}_half_term_last"] = ["Give both days of the half term, or neither."]
    elif (
        half[0] is not None
        and half[1] is not None
        and not (term.first <= half[0] <= half[1] <= term.last)
    ):
        found[f"{term.term}_half_term_first"] = [
            f"The half term must fall inside the {label.lower()}, first day before last."
        ]
    return found


@transaction.atomic
def term_calendar_set(
    *, actor: User | None, school: School, start_year: int, terms: list[TermDates]
) -> list[SchoolTerm]:
    """Record ``school``'s three terms of the school year starting in ``start_year``.

    Each term lies in its part of the year, the terms follow one another without overlap
    and a half term lies inside its term; the governors' report then counts each term from
    these dates. One audit entry names the year and the dates.
    """
    wanted = school_year_terms(start_year)
    if sorted((t.term, t.year) for t in terms) != sorted(wanted):
        raise ServiceError(
            f"Give the autumn, spring and summer terms of {start_year}-{start_year + 1}."
        )
    by_key = {t.term: t for t in terms}
    ordered = [by_key[key] for key, _year in wanted]
    problems: dict[str, list[str]] = {}
    for term in ordered:
        problems |= _problems(term, start_year)
    for before, after in pairwise(ordered):
        if not problems and after.first <= before.last:
            problems[f"{after.term}_first"] = [
                f"The {TermName(after.term).label.lower()} must start after the "
                f"{TermName(before.term).label.lower()} ends ({before.last:%-d %B %Y})."
            ]
    if problems:
        raise ServiceError("Some dates need changing: see each term below.", field_errors=problems)
    saved = []
    for term in ordered:
        row, _created = SchoolTerm.objects.update_or_create(
            school=school,
            term=term.term,
            year=term.year,
            defaults={
                "first": term.first,
                "last": term.last,
                "half_term_first": term.half_term_first,
                "half_term_last": term.half_term_last,
            },
        )
        saved.append(row)
    audit_log(
        actor=actor,
        action="term_calendar.updated",
        school=school,
        changes={
            "period": [None, school_year_label(start_year)],
            "terms": [
                None,
                "; ".join(
                    f"{TermName(t.term).label} {t.first:%d/%m/%Y}–{t.last:%d/%m/%Y}"
                    for t in ordered
                ),
            ],
        },
    )
    return saved


def report_viewed(*, actor: User, action: str, school: School, title: str, kind: str) -> None:
    """Record that ``actor`` saw a report of ``school`` for the period ``title``, as a page
    or a PDF (``kind``): who has seen the figures is part of the trail."""
    audit_log(
        actor=actor,
        action=action,
        school=school,
        changes={"period": [None, title], "format": [None, kind]},
    )
