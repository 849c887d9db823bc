"""The figures of the termly report for governors, in a few aggregate queries.

Governors monitor the incident logs and the filtering change-control logs, and incidents are
confidential (policy duty "Governors see counts, not names", docs/policy-map.md), so
everything here is a count or a label of the school's own choosing (a filter group, a site);
no person is named. The weekly safeguarding digest (duty "Weekly monitoring report") is
``selectors.weekly_report``, which both the e-mail and its page read.

Terms follow the school's own calendar: ``school_calendar(school)`` asks the area that keeps
term dates (``collect("term_calendars", "LOOKUP")``) for the first and last day of each
term. A period made without a calendar keeps the plain pattern below (autumn 1 September to
31 December, spring 1 January to 31 March, summer 1 April to 31 August), and a period
remembers its calendar, so the term before and a year before follow the same one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from warden.core.models import AuditEntry, School
from warden.core.registry import collect
from warden.core.report_figures import ReportSection as ReportSection
from warden.core.report_figures import TrendRow as TrendRow
from warden.core.report_figures import Windows as Windows
from warden.core.report_figures import signed as signed
from warden.core.report_figures import total_row as total_row
from warden.core.report_figures import trend_row as trend_row
from warden.core.report_figures import trend_rows as trend_rows
from warden.incidents import rules
from warden.incidents.models import (
    Incident,
    IncidentKind,
    IncidentStatus,
    Involvement,
    Part,
    Sanction,
    SanctionKind,
    Severity,
    Triage,
    TriageState,
)
from warden.monitoring.models.filtering import ExceptionState, FilterException
from warden.people.models import STAFF_TYPES, YEAR_GROUP_CHOICES, PersonType

# --- periods --------------------------------------------------------------------------------

# (key, label, first (month, day), last (month, day)), in the order of the school year.
TERMS = (
    ("autumn", "Autumn term", (9, 1), (12, 31)),
    ("spring", "Spring term", (1, 1), (3, 31)),
    ("summer", "Summer term", (4, 1), (8, 31)),
)
_TERM = {key: (label, first, last) for key, label, first, last in TERMS}
# The longest custom range a report covers: a school year and a little.
MAX_CUSTOM_DAYS = 400

# A school's term dates: the first and last day of term ``key`` in calendar ``year``.
Calendar = Callable[[str, int], tuple[dt.date, dt.date]]


def _plain_calendar(key: str, year: int) -> tuple[dt.date, dt.date]:
    _label, (m1, d1), (m2, d2) = _TERM[key]
    return dt.date(year, m1, d1), dt.date(year, m2, d2)


def school_calendar(school: School) -> Calendar:
    """The school's term dates from the area that keeps them, or the plain pattern."""
    for lookup in collect("term_calendars", "LOOKUP"):
        return lookup(school)
    return _plain_calendar


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (both included); ``key`` is ``autumn-2026`` or ``custom``."""

    key: str
    label: str
    first: dt.date
    last: dt.date
    calendar: Calendar | None = field(default=None, compare=False, repr=False)

    @property
    def term(self) -> str:
        return self.key.split("-")[0] if self.key != "custom" else ""

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: str) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, end) in the school's time zone."""
        zone = ZoneInfo(tz)
        start = dt.datetime.combine(self.first, dt.time(0), tzinfo=zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        return start, end

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    @property
    def dates(self) -> str:
        return f"{_day(self.first)} to {_day(self.last)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def term(key: str, year: int, calendar: Calendar | None = None) -> Period:
    label = _TERM[key][0]
    first, last = (calendar or _plain_calendar)(key, year)
    return Period(
        key=f"{key}-{year}", label=f"{label} {year}", first=first, last=last, calendar=calendar
    )


def term_containing(day: dt.date, calendar: Calendar | None = None) -> Period:
    """The term ``day`` falls in or, in a holiday, the last term before it."""
    candidates = [term(key, year, calendar) for year in (day.year - 1, day.year) for key in _TERM]
    return max((p for p in candidates if p.first <= day), key=lambda p: p.first)


def term_from_key(key: str, calendar: Calendar | None = None) -> Period | None:
    """``autumn-2026`` as a period, or None when the key is not a term."""
    name, _, year = key.partition("-")
    if name not in _TERM or not year.isdigit() or not 2000 <= int(year) <= 2100:
        return None
    return term(name, int(year), calendar)


def custom_period(first: dt.date, last: dt.date) -> Period:
    return Period(key="custom", label=f"{_day(first)} to {_day(last)}", first=first, last=last)


def previous_period(period: Period) -> Period:
    """The term before (summer before autumn), or the same number of days before a range."""
    if period.term:
        return term_containing(period.first - dt.timedelta(days=1), period.calendar)
    last = period.first - dt.timedelta(days=1)
    return custom_period(last - dt.timedelta(days=period.days - 1), last)


def a_year_before(period: Period) -> Period:
    if period.term:
        return term(period.term, period.first.year - 1, period.calendar)
    return custom_period(rules.add_months(period.first, -12), rules.add_months(period.last, -12))


def recent_terms(today: dt.date, count: int = 9, calendar: Calendar | None = None) -> list[Period]:
    """The term containing ``today`` and the ones before it, newest first."""
    found = [term_containing(today, calendar)]
    while len(found) < count:
        found.append(previous_period(found[-1]))
    return found


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionRow:
    """A temporary unblock granted in the period; who asked and who approved stay out."""

    site: str
    group: str
    reason: str
    approved_on: dt.date
    expires_on: dt.date
    state: str


@dataclass(frozen=True)
class Timeliness:
    """How promptly violations found in a period were triaged (Appendix B, point 1).

    On time: first viewed within one school day (``rules.triage_due_at``). Late: viewed after
    that, or still unviewed past it. Not yet due: unviewed and found less than a school day
    ago, which counts neither way.
    """

    received: int
    unviewed: int
    on_time: int
    late: int
    not_yet_due: int
    median: dt.timedelta | None

    @property
    def triaged(self) -> int:
        return self.received - self.unviewed

    @property
    def on_time_percent(self) -> int | None:
        due = self.on_time + self.late
        return round(100 * self.on_time / due) if due else None

    @property
    def median_words(self) -> str:
        return duration_words(self.median) if self.median is not None else "–"


def _sections(school: School, windows: Windows, now: dt.datetime) -> list[ReportSection]:
    found = (make(school, windows, now) for make in collect("report_sections", "TERMLY"))
    return [section for section in found if section is not None]


@dataclass(frozen=True)
class TermlyReport:
    school: School
    period: Period
    previous: Period
    year_before: Period
    ongoing: bool
    incidents: TrendRow
    closed_in_period: int
    open_now: int
    by_kind: list[TrendRow]
    by_severity: list[TrendRow]
    by_year_group: list[TrendRow]
    sanctions: list[TrendRow]
    filtering_changes: list[TrendRow]
    filtering_total: TrendRow
    exceptions: list[ExceptionRow]
    triage: Timeliness
    triage_previous: Timeliness
    overdue_now: int
    sections: list[ReportSection] = field(default_factory=list)


def duration_words(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


# Year-group buckets of an incident's subjects: pupils by year, then everyone else.
PUPIL_NO_YEAR = -100
STAFF = -200
OTHERS = -300
NO_SUBJECT = -400
YEAR_GROUP_ROWS: list[tuple[object, str]] = [
    *YEAR_GROUP_CHOICES,
    (PUPIL_NO_YEAR, "Pupils, year group not recorded"),
    (STAFF, "Staff"),
    (OTHERS, "Others (visitors, contractors, parents, governors…)"),
    (NO_SUBJECT, "No subject recorded"),
]


def _by_year_group(school: School, w: Windows) -> list[TrendRow]:
    """Incidents by the year group of their subjects: one incident counts once per group."""
    bucket = Case(
        When(
            person__person_type=PersonType.PUPIL,
            person__year_group__isnull=False,
            then="person__year_group",
        ),
        When(person__person_type=PersonType.PUPIL, then=Value(PUPIL_NO_YEAR)),
        When(person__person_type__in=sorted(STAFF_TYPES), then=Value(STAFF)),
        default=Value(OTHERS),
        output_field=IntegerField(),
    )
    rows = list(
        Involvement.objects.filter(school=school, part=Part.SUBJECT)
        .filter(w.any("incident__reported_at"))
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(**w.counts("incident__reported_at", of="incident_id", distinct=True))
    )
    subject = Involvement.objects.filter(incident=OuterRef("pk"), part=Part.SUBJECT)
    nobody = (
        Incident.objects.filter(school=school)
        .filter(w.any("reported_at"))
        .filter(~Exists(subject))
        .aggregate(**w.counts("reported_at"))
    )
    rows.append({"bucket": NO_SUBJECT, **nobody})
    found = trend_rows(rows, "bucket", YEAR_GROUP_ROWS)
    return [r for r in found if r.now or r.previous or r.year_before]


# Plain words for the change log's actions (``filtering.<what>`` in the audit trail).
FILTERING_ACTIONS = {
    "filtering.list_imported": "Block or allow lists imported",
    "filtering.list_updated": "Block or allow lists updated",
    "filtering.list_removed": "Block or allow lists removed",
    "filtering.entry_added": "Sites added to a list",
    "filtering.entry_removed": "Sites removed from a list",
    "filtering.group_created": "Filter groups created",
    "filtering.group_updated": "Filter groups changed",
    "filtering.group_deleted": "Filter groups removed",
    "filtering.group_categories_changed": "Categories blocked or allowed changed",
    "filtering.schedule_added": "Schedules added",
    "filtering.schedule_removed": "Schedules removed",
    "filtering.network_added": "Networks added to a group",
    "filtering.network_removed": "Networks removed from a group",
    "filtering.request_created": "Unblock requests made",
    "filtering.request_approved": "Unblock requests approved",
    "filtering.request_refused": "Unblock requests refused",
    "filtering.exception_created": "Exceptions granted (sites unblocked)",
    "filtering.exception_revoked": "Exceptions revoked",
}


def _action_label(action: str) -> str:
    return (
        FILTERING_ACTIONS.get(action)
        or action.removeprefix("filtering.").replace("_", " ").capitalize()
    )


def _filtering_changes(school: School, w: Windows) -> list[TrendRow]:
    rows = list(
        AuditEntry.objects.filter(school=school, action__startswith="filtering.")
        .filter(w.any("at"))
        .values("action")
        .annotate(**w.counts("at"))
    )
    seen = {str(r["action"]) for r in rows}
    known = [(a, label) for a, label in FILTERING_ACTIONS.items() if a in seen]
    others = sorted((a, _action_label(a)) for a in seen - set(FILTERING_ACTIONS))
    return trend_rows(rows, "action", [*known, *others])


def _exceptions(
    school: School, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[ExceptionRow]:
    zone = ZoneInfo(school.timezone)
    found = FilterException.objects.filter(
        school=school, approved_at__gte=start, approved_at__lt=end
    ).select_related("group", "request")
    return [
        ExceptionRow(
            site=e.site,
            group=e.group.name if e.group is not None else "Every group",
            reason=_reason_naming_no_one(e),
            approved_on=e.approved_at.astimezone(zone).date(),
            expires_on=e.expires_at.astimezone(zone).date(),
            state=ExceptionState(e.state_at(now)).label,
        )
        for e in found.order_by("approved_at", "pk")
    ]


def _reason_naming_no_one(exception: FilterException) -> str:
    """The reason for an exception, without the name of who asked for it.

    An exception granted from an unblock request carries "(asked by <name>)" for the
    filtering pages; the report names no one, so it shows the request's own reason.
    """
    try:
        return str(exception.request.reason)
    except ObjectDoesNotExist:
        return exception.reason


def _triage(school: School, w: Windows, now: dt.datetime) -> tuple[Timeliness, Timeliness, int]:
    """Timeliness of the violations found in the period and the one before, and how many are
    overdue now: one aggregate over the triage rows, whose deadlines were set when they were
    found, and one read of at most four waits for the medians."""
    unseen = Q(viewed_at__isnull=True, decided_at__isnull=True)
    late = Q(seen_at__gt=F("due_at")) | (unseen & Q(due_at__lt=now))
    overdue = Q(state=TriageState.UNVIEWED, due_at__lt=now)
    figures: dict[str, Count] = {"overdue": Count("pk", filter=overdue)}
    for i, name in enumerate(Windows.NAMES[:2]):
        found = w.q("found_at", i)
        figures |= {
            f"{name}_received": Count("pk", filter=found),
            f"{name}_unviewed": Count("pk", filter=found & unseen),
            f"{name}_on_time": Count("pk", filter=found & Q(seen_at__lte=F("due_at"))),
            f"{name}_late": Count("pk", filter=found & late),
            f"{name}_not_yet_due": Count("pk", filter=found & unseen & Q(due_at__gte=now)),
        }
    rows = Triage.objects.filter(school=school).filter(
        w.q("found_at", 0) | w.q("found_at", 1) | overdue
    )
    counts = rows.annotate(seen_at=Coalesce("viewed_at", "decided_at")).aggregate(**figures)
    seen = [counts[f"{name}_received"] - counts[f"{name}_unviewed"] for name in Windows.NAMES[:2]]
    medians = _median_waits(rows, w, seen) if any(seen) else {}
    now_and_before = [
        Timeliness(
            received=counts[f"{name}_received"],
            unviewed=counts[f"{name}_unviewed"],
            on_time=counts[f"{name}_on_time"],
            late=counts[f"{name}_late"],
            not_yet_due=counts[f"{name}_not_yet_due"],
            median=medians.get(i),
        )
        for i, name in enumerate(Windows.NAMES[:2])
    ]
    return now_and_before[0], now_and_before[1], counts["overdue"]


def _median_waits(rows: QuerySet[Triage], w: Windows, seen: list[int]) -> dict[int, dt.timedelta]:
    """The median wait from found to first seen, for the period (0) and the one before (1),
    of which ``seen`` violations were seen.

    The database ranks each period's waits and returns only the middle one or two of them,
    so the read stays this size however many violations a term has.
    """

    def by_period(values: list[int]) -> Case:
        return Case(When(w.q("found_at", 0), then=Value(values[0])), default=Value(values[1]))

    waits = (
        rows.filter(w.q("found_at", 0) | w.q("found_at", 1))
        .exclude(viewed_at__isnull=True, decided_at__isnull=True)
        .annotate(
            period=by_period([0, 1]),
            wait=ExpressionWrapper(
                Coalesce("viewed_at", "decided_at") - F("found_at"), output_field=DurationField()
            ),
            first=by_period([(n + 1) // 2 for n in seen]),
            last=by_period([(n + 2) // 2 for n in seen]),
        )
        .annotate(rank=Window(RowNumber(), partition_by=F("period"), order_by=F("wait").asc()))
        .filter(rank__gte=F("first"), rank__lte=F("last"))
        .values_list("period", "wait")
    )
    middle: dict[int, list[dt.timedelta]] = defaultdict(list)
    for period, wait in waits:
        middle[period].append(wait)
    return {period: sum(found, dt.timedelta()) / len(found) for period, found in middle.items()}


def termly_report(
    school: School, period: Period, *, now: dt.datetime, sections: bool = True
) -> TermlyReport:
    """The report for ``period``, compared with the period before and a year before.

    Incidents count by the day they were reported; year groups are as the register records
    them now; sanctions by the day they start; filtering changes by the day they were made.
    ``sections=False`` leaves out the other areas' sections (each a few queries of its
    own), for a page that shows only the incident log's headline figures.
    """
    previous, year_before = previous_period(period), a_year_before(period)
    w = Windows(school, [period, previous, year_before])
    kind_severity = list(
        Incident.objects.filter(school=school)
        .filter(w.any("reported_at"))
        .values("kind", "severity")
        .annotate(**w.counts("reported_at"))
    )
    by_kind = trend_rows(kind_severity, "kind", IncidentKind.choices)
    by_severity = trend_rows(
        kind_severity, "severity", [*Severity.choices, ("", "Not yet assessed")]
    )
    start, end = w.bounds[0]
    states = Incident.objects.filter(school=school).aggregate(
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        open=Count("pk", filter=~Q(status=IncidentStatus.CLOSED)),
    )
    sanctions = trend_rows(
        Sanction.objects.filter(school=school)
        .filter(w.any("starts_on", dates=True))
        .values("kind")
        .annotate(**w.counts("starts_on", dates=True)),
        "kind",
        SanctionKind.choices,
    )
    changes = _filtering_changes(school, w)
    triage, triage_previous, overdue_now = _triage(school, w, now)
    local_now = now.astimezone(ZoneInfo(school.timezone)).date()
    return TermlyReport(
        school=school,
        period=period,
        previous=previous,
        year_before=year_before,
        ongoing=period.contains(local_now),
        incidents=total_row(by_kind, "Incidents reported"),
        closed_in_period=states["closed"],
        open_now=states["open"],
        by_kind=by_kind,
        by_severity=by_severity,
        by_year_group=_by_year_group(school, w),
        sanctions=sanctions,
        filtering_changes=changes,
        filtering_total=total_row(changes, "All filtering changes"),
        exceptions=_exceptions(school, start, end, now),
        triage=triage,
        triage_previous=triage_previous,
        overdue_now=overdue_now,
        sections=_sections(school, w, now) if sections else [],
    )
