"""Welfare concerns in the governors' report: counts by category only. A concern is
confidential to the DSL and deputies (KCSIE, need to know), so no name, summary or detail
reaches the report; governors see how many concerns of each kind were raised."""

from __future__ import annotations

import datetime as dt

from warden.core.models import School
from warden.core.report_figures import ReportSection, Windows, total_row, trend_rows
from warden.safeguarding.models import ConcernCategory, WelfareConcern


def welfare_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    rows = trend_rows(
        WelfareConcern.objects.filter(school=school)
        .filter(windows.any("raised_at"))
        .values("category")
        .annotate(**windows.counts("raised_at")),
        "category",
        ConcernCategory.choices,
    )
    return ReportSection(
        key="welfare",
        title="Welfare concerns raised",
        caption="Welfare concerns raised, by category (counts only)",
        first="Category",
        rows=[r for r in rows if r.now or r.previous or r.year_before],
        total=total_row(rows, "All welfare concerns"),
        note="Counts only: welfare concerns are confidential to the safeguarding leads.",
    )


TERMLY = [welfare_section]
