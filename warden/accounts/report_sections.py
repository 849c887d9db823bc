"""The leavers' section of the governors' report: leavers' accounts whose removal deadline
fell in the term, removed on time or not (duty "Leavers' accounts removed within 48
hours"); figures only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q

from warden.accounts.models import Account
from warden.core.models import School
from warden.core.report_figures import ReportSection, TrendRow, Windows, trend_row


def leavers_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    on_time = Q(disabled_at__isnull=False, disabled_at__lte=F("removal_deadline"))
    late = Q(disabled_at__gt=F("removal_deadline")) | Q(
        disabled_at__isnull=True, removal_deadline__lt=now
    )
    figures: dict[str, Count] = {}
    for prefix, extra in (("due_", Q()), ("on_time_", on_time), ("late_", late)):
        for i, name in enumerate(Windows.NAMES):
            figures[f"{prefix}{name}"] = Count(
                "pk", filter=windows.q("removal_deadline", i) & extra
            )
    found = (
        Account.objects.filter(school=school)
        .filter(windows.any("removal_deadline"))
        .aggregate(**figures)
    )

    def row(label: str, prefix: str) -> TrendRow:
        return trend_row(label, {name: found[f"{prefix}{name}"] for name in Windows.NAMES})

    return ReportSection(
        key="leavers",
        title="Leavers' accounts",
        caption="Leavers' accounts due for removal, and whether they were removed in time",
        first="Accounts",
        rows=[
            row("Due for removal", "due_"),
            row("Removed by the deadline", "on_time_"),
            row("Removed late, or still open past it", "late_"),
        ],
    )


TERMLY = [leavers_section]
