"""The records section of the governors' termly report, figures only (policy duty
"Governors see counts, not names"): subject access requests received in the term, the one
before and a year before, how many were answered by their deadline and how many late, and
how many records the retention schedule removed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from warden.core.models import School
from warden.core.report_figures import ReportSection, TrendRow, Windows, trend_row
from warden.records.models import (
    OPEN_SAR_STATUSES,
    RetentionRun,
    RunStatus,
    SarStatus,
    SubjectAccessRequest,
)


def _removed(school: School, windows: Windows) -> TrendRow:
    counts = [0] * len(Windows.NAMES)
    runs = RetentionRun.objects.filter(school=school, status=RunStatus.APPROVED).filter(
        windows.any("decided_at")
    )
    for decided_at, removed in runs.values_list("decided_at", "removed"):
        if decided_at is None:
            continue
        for i, (start, end) in enumerate(windows.bounds):
            if start <= decided_at < end:
                counts[i] += sum(removed.values())
    return TrendRow("Records removed under the retention schedule", *counts)


def records_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    today = timezone.localdate(now)
    on_time = Q(status=SarStatus.RELEASED, released_at__date__lte=F("deadline_on"))
    late = Q(status=SarStatus.RELEASED, released_at__date__gt=F("deadline_on")) | Q(
        status__in=OPEN_SAR_STATUSES, deadline_on__lt=today
    )
    figures: dict[str, Count] = {}
    for prefix, extra in (("in_", Q()), ("on_time_", on_time), ("late_", late)):
        for i, name in enumerate(Windows.NAMES):
            figures[f"{prefix}{name}"] = Count(
                "pk", filter=windows.q("received_on", i, dates=True) & extra
            )
    requests = SubjectAccessRequest.objects.filter(school=school).annotate(
        deadline_on=Coalesce("extended_to", "due_on")
    )
    found = requests.filter(windows.any("received_on", dates=True)).aggregate(**figures)
    open_now = requests.filter(status__in=OPEN_SAR_STATUSES)
    return ReportSection(
        key="records",
        title="Subject access and retention",
        caption="Subject access requests and retention this term, the term before and a year "
        "before",
        first="Figure",
        rows=[
            trend_row(
                "Subject access requests received",
                {name: found[f"in_{name}"] for name in Windows.NAMES},
            ),
            trend_row(
                "Answered by their deadline",
                {name: found[f"on_time_{name}"] for name in Windows.NAMES},
            ),
            trend_row(
                "Answered late or overdue",
                {name: found[f"late_{name}"] for name in Windows.NAMES},
            ),
            _removed(school, windows),
        ],
        facts=[
            ("Requests open now", open_now.count()),
            ("Requests overdue now", open_now.filter(deadline_on__lt=today).count()),
        ],
        note="A request is answered within one calendar month of receipt, or three months "
        "when extended with a reason (UK GDPR Art. 12(3)).",
    )


TERMLY = [records_section]
