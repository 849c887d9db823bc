"""What acceptable-use agreements put on home pages: signatures outstanding per agreement
(the office, the SIRO), the headteacher's figures and the trust's roll-up column."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from warden.agreements.models import Agreement
from warden.agreements.selectors import school_summary, schools_summary
from warden.core.dashboard import Cell, Figure, HomePanel, Panel, RollupColumn
from warden.core.models import School
from warden.core.roles import Perm, Role

# The standings that still need a signature, in the order a person acts on them.
OUTSTANDING = ("past_grace", "countersign", "due")


def _rows(school: School) -> tuple[list[dict[str, Any]], bool]:
    summary = school_summary(school)
    agreements = {a.title: a.pk for a in Agreement.objects.filter(school=school)}
    rows = [
        {
            "title": title,
            "pk": agreements.get(title),
            "current": counts["current"],
            "due": counts["due"],
            "countersign": counts["countersign"],
            "past_grace": counts["past_grace"],
        }
        for title, counts in summary.items()
    ]
    return rows, bool(agreements)


def _agreements_panel(request: HttpRequest, school: School) -> list[Panel]:
    rows, has_agreements = _rows(school)
    return [
        Panel(
            "Acceptable-use agreements: signatures outstanding",
            "agreements/_dashboard_panel.html",
            {"rows": rows, "has_agreements": has_agreements},
            order=10,
        )
    ]


HOME = [
    HomePanel(
        frozenset({Role.OFFICE, Role.SIRO}),
        _agreements_panel,
        Perm.AGREEMENTS_VIEW,
        order=10,
        reuse=True,
    )
]


# --- the headteacher's overview --------------------------------------------------------------
def _signers(row: dict[str, Any], status: str) -> str:
    return reverse("agreements:signers", kwargs={"agreement_pk": row["pk"]}) + f"?status={status}"


def _agreement_figures(request: HttpRequest, school: School) -> list[Figure]:
    """People due to sign (a link straight to them when one agreement has them all), and
    those past the grace period, whose accounts are suspended."""
    rows, _has = _rows(school)
    listed = reverse("agreements:list")
    due = [r for r in rows if r["due"] and r["pk"]]
    found = [
        Figure(
            "Acceptable-use agreements",
            sum(r["due"] for r in rows),
            "due to sign",
            _signers(due[0], "due") if len(due) == 1 else listed,
            order=40,
        )
    ]
    late = [r for r in rows if r["past_grace"] and r["pk"]]
    if late:
        found.append(
            Figure(
                "Acceptable-use agreements",
                sum(r["past_grace"] for r in late),
                "past the grace period without signing",
                _signers(late[0], "past_grace") if len(late) == 1 else listed,
                overdue=True,
                order=40,
            )
        )
    return found


FIGURES = [(Perm.AGREEMENTS_VIEW, _agreement_figures)]


# --- the trust administrator's roll-up ---------------------------------------------------------
def signed_percent(summary: dict[str, Counter[str]]) -> int | None:
    """Of everyone an agreement applies to, the share whose signature is current."""
    total = sum(sum(counts.values()) - counts["unavailable"] for counts in summary.values())
    current = sum(counts["current"] for counts in summary.values())
    return round(100 * current / total) if total else None


def _signature_cells(schools: Sequence[School]) -> dict[int, Cell]:
    summaries = schools_summary(schools)
    cells: dict[int, Cell] = {}
    for school in schools:
        summary = summaries.get(school.pk, {})
        percent = signed_percent(summary)
        late = any(counts["past_grace"] for counts in summary.values())
        cells[school.pk] = Cell("–" if percent is None else f"{percent}%", late)
    return cells


ROLLUP = [
    RollupColumn(
        "Signatures current", Perm.AGREEMENTS_VIEW, _signature_cells, "agreements:list", order=10
    )
]
