"""Figures over three periods, shared by every area's part of the governors' report.

A report compares a period with the one before and the same period a year before. An area
adds its part (``<app>/report_sections.py``, ``TERMLY``) as a :class:`ReportSection` of
:class:`TrendRow` s, counted with :class:`Windows` in one aggregate query. These live in core
so an area below the incident log (agreements, accounts, equipment) can offer a section
without importing it; ``incidents.reports`` builds the periods and gathers the sections.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Count, Q

from warden.core.models import School


class Bounded(Protocol):
    """A period: its first and last day, and its bounds in a time zone."""

    @property
    def first(self) -> dt.date: ...

    @property
    def last(self) -> dt.date: ...

    def bounds(self, tz: str) -> tuple[dt.datetime, dt.datetime]: ...


@dataclass(frozen=True)
class TrendRow:
    """A count for the period, the one before, and the same period a year before."""

    label: str
    now: int
    previous: int
    year_before: int

    @property
    def change(self) -> int:
        return self.now - self.previous

    @property
    def change_on_year(self) -> int:
        return self.now - self.year_before

    @property
    def change_words(self) -> str:
        return signed(self.change)

    @property
    def change_on_year_words(self) -> str:
        return signed(self.change_on_year)


def signed(n: int) -> str:
    return "no change" if n == 0 else f"+{n}" if n > 0 else f"−{-n}"


@dataclass(frozen=True)
class ReportSection:
    """A part of the termly report that another area adds: figures only, never names.

    An area offers it from ``<app>/report_sections.py`` as ``TERMLY``, a list of callables
    ``(school, windows, now) -> ReportSection | None``; ``windows`` holds the three periods'
    bounds and builds conditional counts over them (``windows.counts("decided_at")``), so a
    section costs one aggregate query. ``rows`` are trend rows; ``facts`` are figures about
    the present ("Sets past retention now": 3).
    """

    key: str
    title: str
    caption: str
    first: str
    rows: list[TrendRow]
    total: TrendRow | None = None
    facts: list[tuple[str, int | str]] = field(default_factory=list)
    note: str = ""


def trend_row(label: str, counts: Mapping[str, Any]) -> TrendRow:
    """A trend row from an aggregate with ``Windows.counts`` names (now, previous, year_before)."""
    return TrendRow(label, *(int(counts.get(name) or 0) for name in Windows.NAMES))


def trend_rows(
    rows: Iterable[Mapping[str, Any]], key: str, labels: Iterable[tuple[object, str]]
) -> list[TrendRow]:
    """Trend rows, one per ``labels`` value, from an aggregate grouped by ``key``
    (``.values(key).annotate(**windows.counts(...))``); a value with no row counts 0."""
    by_key: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        counts = by_key[row[key]]
        for i, name in enumerate(Windows.NAMES):
            counts[i] += int(row[name])
    return [TrendRow(label, *by_key.get(value, [0, 0, 0])) for value, label in labels]


def total_row(rows: list[TrendRow], label: str) -> TrendRow:
    """The sum of ``rows``, for a section's total line."""
    return TrendRow(
        label,
        sum(r.now for r in rows),
        sum(r.previous for r in rows),
        sum(r.year_before for r in rows),
    )


class Windows:
    """The three periods' [start, end) bounds, and conditional counts over them."""

    NAMES = ("now", "previous", "year_before")

    def __init__(self, school: School, periods: Iterable[Bounded]) -> None:
        self.bounds = [p.bounds(school.timezone) for p in periods]
        self.dates = [(p.first, p.last) for p in periods]

    def q(self, field: str, i: int, *, dates: bool = False) -> Q:
        if dates:
            first, last = self.dates[i]
            return Q(**{f"{field}__gte": first, f"{field}__lte": last})
        start, end = self.bounds[i]
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    def any(self, field: str, *, dates: bool = False) -> Q:
        found = Q()
        for i in range(len(self.NAMES)):
            found |= self.q(field, i, dates=dates)
        return found

    def counts(
        self, field: str, *, of: str = "pk", distinct: bool = False, dates: bool = False
    ) -> dict[str, Count]:
        return {
            name: Count(of, filter=self.q(field, i, dates=dates), distinct=distinct)
            for i, name in enumerate(self.NAMES)
        }
