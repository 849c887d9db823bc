"""The acceptable-use agreements' section of the governors' report: agreements signed in the
term, the term before and a year before, by how they were signed (figures only)."""

from __future__ import annotations

import datetime as dt

from warden.agreements.models import Method, Signature
from warden.core.models import School
from warden.core.report_figures import ReportSection, Windows, total_row, trend_rows


def agreements_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    rows = trend_rows(
        Signature.objects.filter(school=school, counter_signs__isnull=True)
        .filter(windows.any("signed_at"))
        .values("method")
        .annotate(**windows.counts("signed_at")),
        "method",
        Method.choices,
    )
    return ReportSection(
        key="agreements",
        title="Acceptable-use agreements signed",
        caption="Agreements signed, by how they were signed",
        first="Signed by",
        rows=rows,
        total=total_row(rows, "Agreements signed"),
        note="Parents' counter-signatures are not counted again.",
    )


TERMLY = [agreements_section]
