"""Monitoring alerts by category for the governors' report: each alert's triage row keeps a
copy of its category, so the count is one aggregate over the triage table (figures only;
the pupils and words matched stay out)."""

from __future__ import annotations

import datetime as dt

from warden.core.models import School
from warden.core.report_figures import ReportSection, Windows, total_row, trend_rows
from warden.incidents.models import Triage

UNCATEGORISED = "No category"


def alerts_by_category_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    found = list(
        Triage.objects.filter(school=school)
        .filter(windows.any("found_at"))
        .values("category")
        .annotate(**windows.counts("found_at"))
    )
    categories = sorted({str(r["category"]) for r in found})
    rows = trend_rows(found, "category", [(c, c or UNCATEGORISED) for c in categories])
    return ReportSection(
        key="alerts",
        title="Monitoring alerts by category",
        caption="Monitoring alerts found, by category",
        first="Category",
        rows=rows,
        total=total_row(rows, "All alerts"),
    )


TERMLY = [alerts_by_category_section]
