"""The consent section of the governors' termly report: figures only (policy duty
"Governors see counts, not names"): parents' and carers' answers by kind (yes, no,
withdrawn), this term, the term before and the same term a year before, in one aggregate
query, with how many consent links went out this term."""

from __future__ import annotations

import datetime as dt

from warden.consent.models import Answer, ConsentDecision, ConsentLink
from warden.core.models import School
from warden.core.report_figures import ReportSection, Windows, total_row, trend_row, trend_rows


def consent_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection | None:
    answers = (
        ConsentDecision.objects.filter(school=school)
        .filter(windows.any("decided_at"))
        .values("answer")
        .annotate(**windows.counts("decided_at"))
        .order_by()
    )
    rows = trend_rows(answers, "answer", Answer.choices)
    links = ConsentLink.objects.filter(school=school).aggregate(**windows.counts("created_at"))
    sent = trend_row("Consent links sent", links)
    if not any((r.now, r.previous, r.year_before) != (0, 0, 0) for r in [*rows, sent]):
        return None  # the school has not collected consent in any of the periods
    return ReportSection(
        key="consent",
        title="Consent for images",
        caption="Parents' and carers' answers about images of pupils",
        first="Answer",
        rows=rows,
        total=total_row(rows, "All answers"),
        facts=[("Consent links sent this term", sent.now)],
        note="A use of images counts as granted only when every parent or carer with "
        "parental responsibility has said yes; a withdrawal counts at once.",
    )


TERMLY = [consent_section]
