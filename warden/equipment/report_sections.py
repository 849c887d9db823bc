"""The equipment section of the governors' report: losses and thefts reported in the term,
the term before and a year before, and how many held personal data (figures only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from warden.core.models import School
from warden.core.report_figures import ReportSection, Windows, trend_row
from warden.equipment.models import LossKind, LossReport


def losses_section(school: School, windows: Windows, now: dt.datetime) -> ReportSection:
    kinds = [*LossKind.choices, ("data", "Held personal data"), ("unencrypted", "…not encrypted")]
    extra = {
        **{value: Q(kind=value) for value, _label in LossKind.choices},
        "data": Q(held_personal_data=True),
        "unencrypted": Q(held_personal_data=True, was_encrypted=False),
    }
    found = (
        LossReport.objects.filter(school=school)
        .filter(windows.any("reported_at"))
        .aggregate(
            **{
                f"{key}_{name}": Count("pk", filter=windows.q("reported_at", i) & extra[key])
                for key in extra
                for i, name in enumerate(Windows.NAMES)
            }
        )
    )
    rows = [
        trend_row(label, {name: found[f"{key}_{name}"] for name in Windows.NAMES})
        for key, label in kinds
    ]
    return ReportSection(
        key="equipment",
        title="Equipment lost or stolen",
        caption="Losses and thefts reported",
        first="Reported",
        rows=rows,
        note="A loss of equipment holding personal data is also a possible data breach.",
    )


TERMLY = [losses_section]
