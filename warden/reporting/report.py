"""The governors' report: one document across every area, for a term or a school year.

It is the incident log's termly figures (``incidents.reports.termly_report``, which already
gathers every area's ``report_sections.TERMLY``) laid out as blocks: a heading, a chart with
a sentence saying what it shows, the table of the chart's figures, and facts about the
present. Everything is a count or a label of the school's own choosing; no person is named
(policy duty "Governors see counts, not names"; IT Security Policy §3.1: the governors'
"regular monitoring of IT Security incident logs" and "of filtering / change control logs").

A term compares with the term before and the same term a year before; a school year shows
its three terms side by side and their sum. The trend chart follows the last six terms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils.safestring import SafeString

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry, School
from warden.incidents import reports
from warden.incidents.models import Incident, Triage
from warden.incidents.reports import Period, ReportSection, TermlyReport, TrendRow
from warden.reporting import charts
from warden.reporting.terms import school_year_label, school_year_of, school_year_terms

TREND_TERMS = 6
YEAR = "Year"


@dataclass(frozen=True)
class Row:
    label: str
    values: list[int]


@dataclass(frozen=True)
class Block:
    """One part of the report: ``rows`` of figures under ``columns``, charted."""

    key: str
    title: str
    first: str
    columns: list[str]
    rows: list[Row]
    total: Row | None = None
    note: str = ""
    facts: list[tuple[str, int | str]] = field(default_factory=list)
    chart: SafeString | None = None
    summary: str = ""

    @property
    def has_figures(self) -> bool:
        return any(any(r.values) for r in self.rows)


@dataclass(frozen=True)
class GovernorsReport:
    school: School
    key: str
    title: str
    dates: str
    ongoing: bool
    headlines: list[tuple[str, int | str]]
    trend: Block
    blocks: list[Block]


def _rows(found: Sequence[TrendRow], width: int = 3) -> list[Row]:
    return [Row(r.label, [r.now, r.previous, r.year_before][:width]) for r in found]


def _row(found: TrendRow | None) -> Row | None:
    return _rows([found])[0] if found is not None else None


def _section_block(section: ReportSection, columns: list[str]) -> Block:
    return Block(
        key=section.key,
        title=section.title,
        first=section.first,
        columns=columns,
        rows=_rows(section.rows),
        total=_row(section.total),
        note=section.note,
        facts=list(section.facts),
    )


def _term_blocks(t: TermlyReport) -> list[Block]:
    """The blocks of one term's report, each with the term, the one before and a year before."""
    columns = [t.period.label, t.previous.label, t.year_before.label]
    a, b = t.triage, t.triage_previous
    return [
        Block("kinds", "Incidents by kind", "Kind", columns, _rows(t.by_kind), _row(t.incidents)),
        Block(
            "severity",
            "Incidents by severity",
            "Severity",
            columns,
            _rows(t.by_severity),
            _row(t.incidents),
            note="Severity as assessed under the ICT Security Policy, Appendix C.",
        ),
        Block(
            "years",
            "Incidents by year group",
            "Year group",
            columns,
            _rows(t.by_year_group),
            note="By the year group of the pupils an incident concerns; one incident counts "
            "once in each group it touches.",
        ),
        Block("sanctions", "Sanctions", "Sanction", columns, _rows(t.sanctions)),
        Block(
            "filtering",
            "Filtering changes and over-blocking requests",
            "Change",
            columns,
            _rows(t.filtering_changes),
            _row(t.filtering_total),
            note="From the filtering change log; unblock requests are the reports of "
            "over-blocking.",
            facts=[(f"Exceptions granted in {t.period.label}", len(t.exceptions))],
        ),
        Block(
            "triage",
            "Monitoring alerts: how fast they were triaged",
            "Measure",
            columns[:2],
            [
                Row("Alerts found", [a.received, b.received]),
                Row("Triaged within one school day", [a.on_time, b.on_time]),
                Row("Triaged late, or unviewed past the day", [a.late, b.late]),
                Row("Not yet due", [a.not_yet_due, b.not_yet_due]),
            ],
            note="Every unviewed alert is assessed daily (ICT Security Policy, Appendix B, "
            "point 1).",
            facts=[
                ("Median time to first look", a.median_words),
                ("Overdue for triage now", t.overdue_now),
            ],
        ),
        *(_section_block(s, columns) for s in t.sections),
    ]


def _summary(block: Block, series: int) -> str:
    """A sentence saying what the chart shows, for those who do not see it."""
    parts = []
    for i, column in enumerate(block.columns[:series]):
        total = sum(r.values[i] for r in block.rows)
        parts.append(f"{total} in {column}")
    top = max(block.rows, key=lambda r: r.values[0])
    most = f" The largest figure in {block.columns[0]}: {top.label} ({top.values[0]})."
    return f"{block.title}: " + "; ".join(parts) + "." + (most if top.values[0] else "")


def _charted(block: Block) -> Block:
    if not block.has_figures:
        return block
    series = len(block.columns) - (block.columns[-1] == YEAR)
    summary = _summary(block, series)
    chart = charts.bar_chart(
        block.title,
        summary,
        [r.label for r in block.rows],
        [
            charts.Series(c, [r.values[i] for r in block.rows])
            for i, c in enumerate(block.columns[:series])
        ],
    )
    return Block(**{**block.__dict__, "chart": chart, "summary": summary})


# --- the trend over the last terms -------------------------------------------------------------


def _counts_by_period(
    school: School, periods: Sequence[Period], field_name: str
) -> dict[str, Count]:
    found = {}
    for i, p in enumerate(periods):
        start, end = p.bounds(school.timezone)
        found[f"p{i}"] = Count(
            "pk", filter=Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})
        )
    return found


def _trend(school: School, last: Period) -> Block:
    """Incidents, alerts and filtering changes in each of the last six terms (three
    aggregate queries)."""
    periods = [last]
    while len(periods) < TREND_TERMS:
        periods.append(reports.previous_period(periods[-1]))
    periods.reverse()
    rows = []
    for label, queryset, field_name in (
        ("Incidents reported", Incident.objects.filter(school=school), "reported_at"),
        ("Monitoring alerts found", Triage.objects.filter(school=school), "found_at"),
        (
            "Filtering changes",
            AuditEntry.objects.filter(school=school, action__startswith="filtering."),
            "at",
        ),
    ):
        counts = queryset.aggregate(**_counts_by_period(school, periods, field_name))
        rows.append(Row(label, [int(counts[f"p{i}"]) for i in range(len(periods))]))
    columns = [p.label for p in periods]
    summary = (
        "Trend over the last six terms: "
        + "; ".join(
            f"{r.label.lower()} went from {r.values[0]} in {columns[0]} to {r.values[-1]} in "
            f"{columns[-1]}"
            for r in rows
        )
        + "."
    )
    short = [p.label.replace(" term", "") for p in periods]
    chart = charts.line_chart(
        "Trend over the last six terms",
        summary,
        short,
        [charts.Series(r.label, r.values) for r in rows],
    )
    return Block(
        "trend",
        "Trend over the last six terms",
        "Figure",
        columns,
        rows,
        chart=chart,
        summary=summary,
    )


# --- a term and a school year -------------------------------------------------------------------


def school_today(school: School, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(school.timezone)).date()


def term_report(school: School, period: Period, *, now: dt.datetime) -> GovernorsReport:
    """The governors' report for one term (or a date range) of ``school``."""
    t = reports.termly_report(school, period, now=now)
    return GovernorsReport(
        school=school,
        key=period.key,
        title=period.label,
        dates=period.dates,
        ongoing=t.ongoing,
        headlines=_headlines(t),
        trend=_trend(
            school,
            period
            if period.term
            else reports.term_containing(period.last, reports.school_calendar(school)),
        ),
        blocks=[_charted(b) for b in _term_blocks(t)],
    )


def _headlines(t: TermlyReport) -> list[tuple[str, int | str]]:
    percent = t.triage.on_time_percent
    return [
        ("Incidents reported", t.incidents.now),
        ("Incidents closed", t.closed_in_period),
        ("Incidents open now", t.open_now),
        ("Monitoring alerts found", t.triage.received),
        ("Alerts triaged within a school day", "–" if percent is None else f"{percent}%"),
        ("Filtering changes", t.filtering_total.now),
    ]


def _year_block(key: str, found: list[Block | None], columns: list[str]) -> Block:
    """The block ``key`` of each term (None where a term lacks it) as one block for the year:
    a term's own figures in its column, and their sum."""
    first = next(b for b in found if b is not None)
    labels: list[str] = []
    for b in found:
        for r in b.rows if b is not None else []:
            if r.label not in labels:
                labels.append(r.label)

    def values(label: str) -> list[int]:
        by_term = [
            next((r.values[0] for r in b.rows if r.label == label), 0) if b is not None else 0
            for b in found
        ]
        return [*by_term, sum(by_term)]

    totals = [b.total for b in found if b is not None and b.total is not None]
    total = None
    if totals:
        by_term = [b.total.values[0] if b is not None and b.total is not None else 0 for b in found]
        total = Row(totals[0].label, [*by_term, sum(by_term)])
    latest = next(b for b in reversed(found) if b is not None)
    return Block(
        key=key,
        title=first.title,
        first=first.first,
        columns=columns,
        rows=[Row(label, values(label)) for label in labels],
        total=total,
        note=first.note,
        facts=[f for f in latest.facts if not str(f[0]).startswith("Exceptions granted")],
    )


def year_report(school: School, start_year: int, *, now: dt.datetime) -> GovernorsReport:
    """The school year starting in September of ``start_year``: its three terms and their
    sum, each term by the school's calendar."""
    calendar = reports.school_calendar(school)
    periods = [reports.term(key, year, calendar) for key, year in school_year_terms(start_year)]
    today = school_today(school, now)
    termly = [reports.termly_report(school, p, now=now) for p in periods if p.first <= today]
    if not termly:
        termly = [reports.termly_report(school, periods[0], now=now)]
    by_term = [{b.key: b for b in _term_blocks(t)} for t in termly]
    keys: list[str] = []
    for found in by_term:
        keys += [k for k in found if k not in keys]
    columns = [p.label for p in periods] + [YEAR]
    padded = by_term + [{}] * (3 - len(by_term))
    blocks = [_year_block(k, [b.get(k) for b in padded], columns) for k in keys]
    head = [_headlines(t) for t in termly]
    headlines: list[tuple[str, int | str]] = []
    for i, (label, value) in enumerate(head[0]):
        if isinstance(value, int):
            headlines.append((label, sum(int(h[i][1]) for h in head)))
    return GovernorsReport(
        school=school,
        key=school_year_label(start_year),
        title=f"School year {school_year_label(start_year)}",
        dates=f"{periods[0].dates.split(' to ')[0]} to {periods[-1].dates.split(' to ')[1]}",
        ongoing=periods[0].first <= today <= periods[-1].last,
        headlines=headlines,
        trend=_trend(school, periods[-1]),
        blocks=[_charted(b) for b in blocks],
    )


def current_term(school: School, now: dt.datetime) -> Period:
    return reports.term_containing(school_today(school, now), reports.school_calendar(school))


def current_school_year(school: School, now: dt.datetime) -> int:
    term = current_term(school, now)
    return school_year_of(term.term, term.first.year)


# --- choosing the period, for the pages and the command ----------------------------------------


def parse_school_year(text: str) -> int | None:
    """``2026-27`` as 2026, or None when it is not a school year."""
    first, _, second = text.partition("-")
    if not (first.isdigit() and second.isdigit() and len(first) == 4 and len(second) == 2):
        return None
    start = int(first)
    return start if (start + 1) % 100 == int(second) and 2000 <= start <= 2100 else None


def report_for(
    school: School, *, term: str = "", year: str = "", now: dt.datetime
) -> GovernorsReport:
    """The report a page or the command asks for: a term (``autumn-2026``), a school year
    (``2026-27``) or, given neither, the term going on now (or the last one, in a holiday)."""
    if year:
        start = parse_school_year(year)
        if start is None:
            raise ServiceError(f"“{year}” is not a school year: write it as 2026-27.")
        return year_report(school, start, now=now)
    calendar = reports.school_calendar(school)
    period = reports.term_from_key(term, calendar) if term else current_term(school, now)
    if period is None:
        raise ServiceError(
            f"“{term}” is not a term: write autumn-2026, spring-2027 or summer-2027."
        )
    return term_report(school, period, now=now)


# --- the trust: one row per school -------------------------------------------------------------

# Blocks whose figures the headlines already give, left out of the trust's table.
_HEADLINE_BLOCKS = frozenset({"kinds", "severity", "years", "sanctions", "filtering", "triage"})


@dataclass(frozen=True)
class TrustReport:
    title: str
    columns: list[str]
    rows: list[tuple[School, list[int]]]
    totals: list[int]
    chart: SafeString | None
    summary: str


def _school_figures(report: GovernorsReport) -> list[tuple[str, int]]:
    found = [(label, value) for label, value in report.headlines if isinstance(value, int)]
    for block in report.blocks:
        if block.key in _HEADLINE_BLOCKS or block.key == "trend":
            continue
        row = block.total or (block.rows[0] if block.rows else None)
        if row is not None:
            # A block's total is the block's own figure: its title says it ("Training",
            # not "Training: All courses"); a first row is named with its block.
            label = block.title if row is block.total else f"{block.title}: {row.label}"
            found.append((label, row.values[-1] if block.columns[-1] == YEAR else row.values[0]))
    return found


def trust_report(
    schools: Sequence[School], *, term: str = "", year: str = "", now: dt.datetime
) -> TrustReport:
    """The same report for every school of a trust: one row per school and the totals. Each
    school's term follows its own calendar."""
    per_school = [(s, report_for(s, term=term, year=year, now=now)) for s in schools]
    columns: list[str] = []
    for _school, found in per_school:
        columns += [label for label, _v in _school_figures(found) if label not in columns]
    rows = []
    for school, found in per_school:
        figures = dict(_school_figures(found))
        rows.append((school, [figures.get(c, 0) for c in columns]))
    totals = [sum(values[i] for _s, values in rows) for i in range(len(columns))]
    title = per_school[0][1].title if per_school else (term or year)
    chart, summary = None, ""
    if rows and any(v for _s, values in rows for v in values[:1]):
        summary = (
            f"Incidents reported in {title}: "
            + "; ".join(f"{s.name} {values[0]}" for s, values in rows)
            + f"; {totals[0]} in all."
        )
        chart = charts.bar_chart(
            f"Incidents reported by school, {title}",
            summary,
            [s.name for s, _v in rows],
            [charts.Series("Incidents reported", [values[0] for _s, values in rows])],
        )
    return TrustReport(title, columns, rows, totals, chart, summary)
