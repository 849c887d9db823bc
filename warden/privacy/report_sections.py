"""The data-protection section of the governors' termly report: figures only (policy duty
"Governors see counts, not names"): breaches opened, reported to the ICO, and decided
within the 72 hours, each for the term, the one before and the same term a year before."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q

from warden.core.models import School
from warden.incidents.reports import ReportSection, TrendRow, Windows, trend_row
from warden.privacy import rules
from warden.privacy.models import Breach, BreachState, IcoDecision


def _counts(windows: Windows, extra: Q, prefix: str) -> dict[str, Count]:
    return {
        f"{prefix}{name}": Count("pk", filter=windows.q("opened_at", i) & extra)
        for i, name in enumerate(Windows.NAMES)
    }


def _row(label: str, found: dict[str, int], prefix: str) -> TrendRow:
    return trend_row(label, {name: found[f"{prefix}{name}"] for name in Windows.NAMES})


def breaches_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    within = Q(decided_at__isnull=False) & Q(
        time_to_decide__lte=dt.timedelta(hours=rules.ICO_HOURS)
    )
    found = (
        Breach.objects.filter(school=school)
        .filter(windows.any("opened_at"))
        .annotate(
            time_to_decide=ExpressionWrapper(
                F("decided_at") - F("aware_at"), output_field=DurationField()
            )
        )
        .aggregate(
            **_counts(windows, Q(), "opened_"),
            **_counts(windows, Q(decision=IcoDecision.REPORT), "reported_"),
            **_counts(windows, within, "within_"),
        )
    )
    open_now = Breach.objects.filter(school=school, state=BreachState.OPEN).count()
    return ReportSection(
        key="privacy",
        title="Personal data breaches",
        caption="Personal data breaches this term, the term before and a year before",
        first="Breaches",
        rows=[
            _row("Opened", found, "opened_"),
            _row("Reported to the ICO", found, "reported_"),
            _row("Decided within 72 hours", found, "within_"),
        ],
        facts=[("Open now", open_now)],
    )


TERMLY = [breaches_section]
