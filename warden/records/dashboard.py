"""What subject access puts on home pages: the SIRO's requests overdue or due within a
week, and the headteacher's figure of requests overdue."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import RecordsPerm, Role
from warden.records.selectors import sars_needing_attention


def _sar_panel(request: HttpRequest, school: School) -> list[Panel]:
    limit = 8
    rows = list(sars_needing_attention(school)[:limit])
    context = {"rows": rows, "more": len(rows) == limit, "today": timezone.localdate()}
    return [Panel("Subject access requests due", "records/_dashboard_panel.html", context, 7)]


HOME = [HomePanel(frozenset({Role.SIRO}), _sar_panel, RecordsPerm.SAR, order=7)]


def _sar_figures(request: HttpRequest, school: School) -> list[Figure]:
    today = timezone.localdate()
    overdue = sum(1 for sar in sars_needing_attention(school) if sar.deadline < today)
    if not overdue:
        return []
    return [
        Figure(
            "Subject access",
            overdue,
            "requests overdue",
            reverse("records:sar_list") + "?status=open",
            overdue=True,
            note="A subject access request must be answered within one calendar month.",
        )
    ]


FIGURES = [(RecordsPerm.SAR, _sar_figures)]
