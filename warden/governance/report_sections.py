"""Governance's part of the governors' termly report: figures only, never names.

Training compliance (how many of those who must take each course are up to date, due and
overdue), completions recorded in each period, the policy register (reviews overdue, due
within 30 days, brought forward in each period) and the state of this year's filtering and
monitoring review. Each is one or two aggregate queries (``incidents.reports.Windows``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from warden.core.models import School
from warden.governance import selectors
from warden.governance.models import Completion, FilteringReview, Policy, ReviewTrigger
from warden.governance.services.reviews import school_year
from warden.incidents.reports import ReportSection, TrendRow, Windows, trend_row


def _today(school: School, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(school.timezone)).date()


def training_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection | None:
    today = _today(school, now)
    compliance = selectors.compliance(school, today)
    if not compliance:
        return None
    by_course = (
        Completion.objects.filter(school=school)
        .filter(windows.any("completed_on", dates=True))
        .values("course__title")
        .annotate(**windows.counts("completed_on", dates=True))
    )
    done = {row["course__title"]: row for row in by_course}
    rows = [trend_row(c.course, done.get(c.course, {})) for c in compliance]
    total = TrendRow(
        "All courses",
        sum(r.now for r in rows),
        sum(r.previous for r in rows),
        sum(r.year_before for r in rows),
    )
    facts: list[tuple[str, int | str]] = []
    for c in compliance:
        percent = "–" if c.percent is None else f"{c.percent}%"
        facts.append((f"{c.course}: up to date", f"{c.up_to_date} of {c.required} ({percent})"))
        facts.append((f"{c.course}: overdue now", c.overdue))
    return ReportSection(
        key="training",
        title="Training",
        caption="Training completions recorded, by course",
        first="Course",
        rows=rows,
        total=total,
        facts=facts,
        note="Counts only: who is overdue is on the training matrix, for staff who need it.",
    )


def policies_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection | None:
    if not Policy.objects.filter(school=school).exists():
        return None
    today = _today(school, now)
    counts = (
        ReviewTrigger.objects.filter(school=school)
        .filter(windows.any("recorded_at"))
        .aggregate(**windows.counts("recorded_at"))
    )
    versions = (
        Policy.objects.filter(school=school)
        .filter(windows.any("versions__approved_on", dates=True))
        .aggregate(**windows.counts("versions__approved_on", of="versions", dates=True))
    )
    review = FilteringReview.objects.filter(school=school, year=school_year(today)).first()
    overdue = list(selectors.overdue_policies(school, today).values_list("title", "next_review_on"))
    facts: list[tuple[str, int | str]] = [
        ("Policy reviews overdue now", len(overdue)),
        (
            f"Policy reviews due within {selectors.REMINDER_DAYS} days",
            selectors.due_soon_policies(school, today).count(),
        ),
        (
            "Filtering and monitoring review this school year",
            "not started"
            if review is None
            else review.get_status_display().lower()
            + f" (actions open: {review.actions.filter(done_on__isnull=True).count()})",
        ),
    ]
    facts += [(f"Overdue: {title}", f"since {day:%d/%m/%Y}") for title, day in overdue]
    return ReportSection(
        key="policies",
        title="Policies and their reviews",
        caption="Policy approvals and reviews brought forward",
        first="What",
        rows=[
            trend_row("Policy versions approved", versions),
            trend_row("Reviews brought forward", counts),
        ],
        facts=facts,
    )


TERMLY = [policies_section, training_section]
