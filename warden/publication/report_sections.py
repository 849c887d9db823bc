"""The images section of the governors' termly report, figures only (policy duty
"Governors see counts, not names"): sets removed because they were past the retention
period or because a pupil's consent was withdrawn, and posts the social-media team approved
or refused, in the term, the term before and a year before."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from warden.core.models import School
from warden.core.report_figures import ReportSection, TrendRow, Windows, trend_row
from warden.publication.models import PostDecision, PostState, Removal


def _aggregate(rows: QuerySet[Any], windows: Windows, field: str, groups: dict[str, Q]) -> Any:
    """Counts of ``rows`` by ``field`` in each window, for each group: ``{group}_{window}``."""
    return rows.filter(windows.any(field)).aggregate(
        **{
            f"{key}_{name}": Count("pk", filter=windows.q(field, i) & extra)
            for key, extra in groups.items()
            for i, name in enumerate(Windows.NAMES)
        }
    )


def _row(label: str, found: dict[str, int], key: str) -> TrendRow:
    return trend_row(label, {name: found[f"{key}_{name}"] for name in Windows.NAMES})


def publication_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    removals = _aggregate(
        Removal.objects.filter(school=school),
        windows,
        "done_at",
        {
            "retention": Q(kind=Removal.Kind.RETENTION),
            "withdrawal": Q(kind=Removal.Kind.WITHDRAWAL),
        },
    )
    decisions = _aggregate(
        PostDecision.objects.filter(school=school),
        windows,
        "at",
        {"approved": Q(state=PostState.APPROVED), "refused": Q(state=PostState.REFUSED)},
    )
    due = Removal.objects.filter(school=school, done_at__isnull=True).count()
    return ReportSection(
        key="publication",
        title="Images of pupils",
        caption="Images removed and posts checked this term, the term before and a year before",
        first="What",
        rows=[
            _row("Sets removed: past the retention period", removals, "retention"),
            _row("Images removed: consent withdrawn", removals, "withdrawal"),
            _row("Posts approved", decisions, "approved"),
            _row("Posts refused", decisions, "refused"),
        ],
        facts=[("Removals waiting to be ticked off now", due)],
    )


TERMLY = [publication_section]
