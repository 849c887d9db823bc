"""Term dates: the local authority's usual pattern, and each school's own calendar.

The pattern (used for any year a school has not recorded): autumn from the first weekday of
September to the last Friday before Christmas Eve; spring from the first Monday after New Year's
Day to the Friday before Easter (Good Friday); summer from the Monday a week after Easter
Monday to the last weekday on or before 22 July. Half terms: the week of the last Monday of
October, of the third Monday of February and of the last Monday of May (the spring bank
holiday). Easter is computed for each year (the anonymous Gregorian algorithm).

A report of a term covers its first day to the day before the next term starts: what
happens in the holiday after a term counts with that term, and a year's three terms cover
every day of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from warden.core.models import School
from warden.incidents.reports import Calendar
from warden.reporting.models import SchoolTerm, TermName

TERM_KEYS = tuple(TermName.values)
DAY = dt.timedelta(days=1)


def easter(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _week_of(monday: dt.date) -> tuple[dt.date, dt.date]:
    return monday, monday + dt.timedelta(days=4)


MONDAY, FRIDAY = 0, 4
NEXT_TERM: dict[str, str] = {
    TermName.AUTUMN: TermName.SPRING,
    TermName.SPRING: TermName.SUMMER,
    TermName.SUMMER: TermName.AUTUMN,
}


@dataclass(frozen=True)
class TermDates:
    term: str
    year: int
    first: dt.date
    last: dt.date
    half_term_first: dt.date | None = None
    half_term_last: dt.date | None = None
    recorded: bool = False

    @property
    def label(self) -> str:
        return f"{TermName(self.term).label} {self.year}"


def pattern(term: str, year: int) -> TermDates:
    """The local authority's usual dates for ``term`` in calendar ``year``."""
    if term == TermName.AUTUMN:
        first = dt.date(year, 9, 1)
        while first.weekday() > FRIDAY:
            first += DAY
        last = _weekday_on_or_before(dt.date(year, 12, 23), FRIDAY)
        half = _weekday_on_or_before(dt.date(year, 10, 31), MONDAY)
    elif term == TermName.SPRING:
        first = _weekday_on_or_after(dt.date(year, 1, 2), MONDAY)
        last = easter(year) - 2 * DAY
        half = _weekday_on_or_after(dt.date(year, 2, 15), MONDAY)
    else:
        first = easter(year) + 8 * DAY
        last = dt.date(year, 7, 22)
        while last.weekday() > FRIDAY:
            last -= DAY
        half = _weekday_on_or_before(dt.date(year, 5, 31), MONDAY)
    return TermDates(term, year, first, last, *_week_of(half))


def school_year_terms(start_year: int) -> list[tuple[str, int]]:
    """The terms of the school year starting in September of ``start_year``."""
    return [
        (TermName.AUTUMN, start_year),
        (TermName.SPRING, start_year + 1),
        (TermName.SUMMER, start_year + 1),
    ]


def school_year_of(term: str, year: int) -> int:
    return year if term == TermName.AUTUMN else year - 1


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


class SchoolCalendar:
    """A school's recorded terms (read once), the pattern for every other term."""

    def __init__(self, school: School) -> None:
        self.school = school
        self.recorded = {
            (t.term, t.year): TermDates(
                t.term, t.year, t.first, t.last, t.half_term_first, t.half_term_last, True
            )
            for t in SchoolTerm.objects.filter(school=school)
        }

    def dates(self, term: str, year: int) -> TermDates:
        return self.recorded.get((term, year)) or pattern(term, year)

    def __call__(self, term: str, year: int) -> tuple[dt.date, dt.date]:
        """The days a report of the term covers: from its first day to the day before the
        next term starts, so the holiday after a term counts with it and the three terms of
        a year cover every day of it (nothing that happens in a holiday is left out)."""
        following = NEXT_TERM[term]
        return self.dates(term, year).first, (
            self.dates(following, year + (term == TermName.AUTUMN)).first - DAY
        )


def school_calendar(school: School) -> Calendar:
    """The lookup the incident log's reports ask for (``term_calendars.LOOKUP``)."""
    return SchoolCalendar(school)
