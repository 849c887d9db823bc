"""Term dates: the local authority's pattern, a school's own calendar, and the page that
keeps it; the incident log's reports follow the school's calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.incidents import reports
from warden.incidents.models import IncidentKind
from warden.incidents.tests.object_makers import incident_at
from warden.reporting.models import SchoolTerm
from warden.reporting.terms import easter, pattern

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2024, (3, 31)), (2025, (4, 20)), (2026, (4, 5)), (2027, (3, 28)), (2038, (4, 25))],
)
def test_easter_is_computed_for_each_year(year, sunday):
    assert easter(year) == dt.date(year, *sunday)


def test_the_pattern_follows_christmas_and_easter():
    autumn = pattern("autumn", 2026)
    assert (autumn.first, autumn.last) == (dt.date(2026, 9, 1), dt.date(2026, 12, 18))
    spring = pattern("spring", 2027)
    # Easter 2027 is 28 March: spring ends on Good Friday, summer starts a week after Easter Monday.
    assert (spring.first, spring.last) == (dt.date(2027, 1, 4), dt.date(2027, 3, 26))
    summer = pattern("summer", 2027)
    assert (summer.first, summer.last) == (dt.date(2027, 4, 5), dt.date(2027, 7, 22))
    assert summer.half_term_first == dt.date(2027, 5, 31)


def test_a_school_without_its_own_dates_follows_the_pattern_holidays_counting_with_the_term_before(
    school,
):
    calendar = reports.school_calendar(school)
    autumn = reports.term("autumn", 2026, calendar)
    # From the first day of term to the day before spring starts (Monday 4 January 2027).
    assert (autumn.first, autumn.last) == (dt.date(2026, 9, 1), dt.date(2027, 1, 3))
    assert reports.previous_period(autumn).key == "summer-2026"
    assert reports.previous_period(autumn).first == dt.date(2026, 4, 13)
    assert reports.term_containing(dt.date(2026, 8, 10), calendar).key == "summer-2026"


def test_the_termly_report_counts_by_the_schools_own_term_dates(school, other_school):
    SchoolTerm.objects.create(
        school=school,
        term="autumn",
        year=2026,
        first=dt.date(2026, 9, 7),
        last=dt.date(2026, 12, 16),
    )
    with time_machine.travel(dt.datetime(2026, 9, 3, 10, tzinfo=dt.UTC), tick=False):
        for where in (school, other_school):
            incident_at(where, kind=IncidentKind.MISUSE)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    ours = reports.term_from_key("autumn-2026", reports.school_calendar(school))
    theirs = reports.term_from_key("autumn-2026", reports.school_calendar(other_school))
    assert ours is not None and theirs is not None
    assert ours.first == dt.date(2026, 9, 7) and theirs.first == dt.date(2026, 9, 1)
    # 3 September falls before this school's autumn term and inside the other's.
    assert reports.termly_report(school, ours, now=now).incidents.now == 0
    assert reports.termly_report(other_school, theirs, now=now).incidents.now == 1


def _form(year: int, **changes: str) -> dict[str, str]:
    data = {
        "year": f"{year}-{(year + 1) % 100:02d}",
        "autumn_first": f"{year}-09-03",
        "autumn_last": f"{year}-12-18",
        "autumn_half_term_first": f"{year}-10-26",
        "autumn_half_term_last": f"{year}-10-30",
        "spring_first": f"{year + 1}-01-05",
        "spring_last": f"{year + 1}-03-26",
        "spring_half_term_first": "",
        "spring_half_term_last": "",
        "summer_first": f"{year + 1}-04-12",
        "summer_last": f"{year + 1}-07-21",
        "summer_half_term_first": "",
        "summer_half_term_last": "",
    }
    return data | changes


def test_the_office_sets_the_term_dates_and_the_change_is_audited(school, office, client_for):
    client = client_for(office)
    page = client.get(reverse("reporting:terms"), {"year": "2026-27"})
    assert page.status_code == 200 and "local authority" in page.content.decode()
    response = client.post(reverse("reporting:terms") + "?year=2026-27", _form(2026))
    assert response.status_code == 302
    autumn = SchoolTerm.objects.get(school=school, term="autumn", year=2026)
    assert autumn.first == dt.date(2026, 9, 3) and autumn.half_term_last == dt.date(2026, 10, 30)
    assert AuditEntry.objects.filter(action="term_calendar.updated", school=school).count() == 1
    autumn_term = reports.term_from_key("autumn-2026", reports.school_calendar(school))
    assert autumn_term is not None and autumn_term.first == dt.date(2026, 9, 3)


def test_overlapping_terms_are_refused_with_what_to_change(school, headteacher, client_for):
    response = client_for(headteacher).post(
        reverse("reporting:terms") + "?year=2026-27",
        _form(2026, spring_first="2026-12-10", summer_half_term_first="2027-05-31"),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Give both days of the half term" in text
    assert not SchoolTerm.objects.filter(school=school).exists()


def test_governors_and_teachers_may_not_change_term_dates(governor, teacher, client_for):
    for user in (governor, teacher):
        assert client_for(user).get(reverse("reporting:terms")).status_code == 403
