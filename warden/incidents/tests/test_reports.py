"""The termly report for governors and the weekly safeguarding digest page.

The fixture is a small, hand-counted school history: incidents of several kinds, severities
and year groups in autumn 2026, in the summer term before it and in autumn 2025; sanctions;
filtering changes and an exception; violations triaged on time, late and not at all. The
clock stands at Tuesday 15 December 2026, 10:00 (London is on GMT then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from warden.core.audit import audit_log
from warden.core.models import School, User
from warden.core.registry import collect
from warden.incidents import reports, selectors
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
from warden.incidents.tests.object_makers import MARKER, incident_at, violation_at
from warden.monitoring.models import Violation
from warden.monitoring.models.filtering import FilterException, FilterGroup
from warden.people.models import Person
from warden.testing.factories import PersonFactory, PupilFactory

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.UTC)
AUTUMN = reports.term("autumn", 2026)


def _at(y: int, m: int, d: int, h: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class History:
    year7: Person
    year9: Person
    staff: Person
    incidents: dict[str, Incident]


def _incident(
    school: School,
    n: int,
    kind: str,
    reported_at: dt.datetime,
    *,
    severity: str = "",
    subjects: tuple[Person, ...] = (),
    title: str = "",
) -> Incident:
    incident = Incident.objects.create(
        school=school,
        number=n,
        kind=kind,
        title=title or f"Incident {n}",
        description="What happened.",
        occurred_at=reported_at,
        reported_at=reported_at,
        severity=severity,
    )
    for person in subjects:
        Involvement.objects.create(
            school=school,
            incident=incident,
            person=person,
            part=Part.SUBJECT,
            added_at=reported_at,
        )
    return incident


def _sanction(incident: Incident, person: Person, kind: str, starts_on: dt.date) -> Sanction:
    return Sanction.objects.create(
        school=incident.school,
        incident=incident,
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=5),
        created_at=dt.datetime.combine(starts_on, dt.time(9), tzinfo=LONDON),
    )


def _violation(
    school: School,
    found_at: dt.datetime,
    *,
    viewed_at: dt.datetime | None = None,
    decided_at: dt.datetime | None = None,
) -> Violation:
    with time_machine.travel(found_at, tick=False):
        violation = violation_at(school, username="a-pupil", phrase="matched words")
    if viewed_at or decided_at:
        Triage.objects.filter(violation=violation).update(
            state=TriageState.NO_ACTION if decided_at else TriageState.VIEWED,
            viewed_at=viewed_at,
            decided_at=decided_at,
        )
    return violation


@pytest.fixture
def history(school: School, dsl: User) -> History:
    year7 = PupilFactory.create(school=school, first_name="Robin", last_name="Quillfeather")
    year9 = PupilFactory.create(
        school=school, first_name="Alex", last_name="Marchbank", year_group=9, form="9B"
    )
    staff = PersonFactory.create(school=school, first_name="Sam", last_name="Oddington")
    i: dict[str, Incident] = {}
    # Autumn 2026: five incidents (one just after midnight on 1 September, London time).
    i["bullying"] = _incident(
        school,
        1,
        IncidentKind.CYBERBULLYING,
        _at(2026, 10, 5),
        severity=Severity.MINOR,
        subjects=(year7,),
        title="Robin Quillfeather's messages",
    )
    i["bullying2"] = _incident(
        school,
        2,
        IncidentKind.CYBERBULLYING,
        _at(2026, 11, 10),
        severity=Severity.MODERATE,
        subjects=(year7, year9),
    )
    i["misuse"] = _incident(
        school,
        3,
        IncidentKind.MISUSE,
        _at(2026, 11, 20),
        severity=Severity.SEVERE,
        subjects=(staff,),
    )
    Incident.objects.filter(pk=i["misuse"].pk).update(
        status=IncidentStatus.CLOSED, closed_at=_at(2026, 11, 25)
    )
    i["malware"] = _incident(school, 4, IncidentKind.MALWARE, _at(2026, 12, 1))
    i["email"] = _incident(school, 5, IncidentKind.OFFENSIVE_EMAIL, _at(2026, 9, 1, 0, 30))
    # Summer 2026, the term before.
    i["summer"] = _incident(
        school, 6, IncidentKind.MISUSE, _at(2026, 6, 10), severity=Severity.MINOR, subjects=(year9,)
    )
    # Autumn 2025, a year before (one half an hour before the term ended).
    i["last_year"] = _incident(
        school, 7, IncidentKind.MISUSE, _at(2025, 10, 1), severity=Severity.MINOR, subjects=(year7,)
    )
    i["last_year2"] = _incident(
        school, 8, IncidentKind.DATA_BREACH, _at(2025, 12, 31, 23, 30), severity=Severity.MODERATE
    )
    # Spring 2026: in none of the three periods.
    i["spring"] = _incident(school, 9, IncidentKind.MISUSE, _at(2026, 2, 2), subjects=(year7,))
    # Just before autumn 2026 began in London (31 August, 23:30).
    i["august"] = _incident(school, 10, IncidentKind.MALWARE, _at(2026, 8, 31, 23, 30))

    _sanction(i["bullying"], year7, SanctionKind.VERBAL_WARNING, dt.date(2026, 10, 6))
    _sanction(i["bullying2"], year9, SanctionKind.WITHDRAW_INTERNET, dt.date(2026, 11, 11))
    _sanction(i["summer"], year9, SanctionKind.VERBAL_WARNING, dt.date(2026, 6, 11))

    group = FilterGroup.objects.create(school=school, slug="year-10", name="Year 10")
    FilterException.objects.create(
        school=school,
        site="vaccines.example.org",
        group=group,
        reason="Science research project",
        approved_by=dsl,
        approved_at=_at(2026, 11, 2),
        expires_at=_at(2026, 11, 30),
    )
    FilterException.objects.create(
        school=school,
        site="summer-only.example.org",
        reason="Sports day results",
        approved_by=dsl,
        approved_at=_at(2026, 6, 2),
        expires_at=_at(2026, 6, 9),
    )
    for when, action in [
        (_at(2026, 11, 2), "filtering.exception_created"),
        (_at(2026, 10, 1), "filtering.entry_added"),
        (_at(2026, 10, 2), "filtering.entry_added"),
        (_at(2026, 6, 2), "filtering.exception_created"),
        (_at(2025, 11, 3), "filtering.group_created"),
    ]:
        with time_machine.travel(when, tick=False):
            audit_log(actor=dsl, action=action, school=school, changes={"why": [None, "test"]})

    # Triage in autumn 2026 (all GMT): two on time, one late, one never viewed (overdue),
    # one decided without a separate look (on time), one found this morning (not yet due).
    _violation(school, _at(2026, 11, 2, 10), viewed_at=_at(2026, 11, 2, 12))  # 2 h
    _violation(school, _at(2026, 11, 6, 15), viewed_at=_at(2026, 11, 9, 14))  # Fri → Mon, 71 h
    _violation(school, _at(2026, 11, 10, 9), viewed_at=_at(2026, 11, 12, 9))  # 48 h, late
    _violation(school, _at(2026, 11, 11, 9))  # never viewed
    _violation(school, _at(2026, 11, 16, 9), decided_at=_at(2026, 11, 16, 10))  # 1 h
    _violation(school, _at(2026, 12, 15, 9))  # an hour old
    # Summer 2026: one, on time.
    _violation(school, _at(2026, 6, 1, 9), viewed_at=_at(2026, 6, 1, 10))
    return History(year7=year7, year9=year9, staff=staff, incidents=i)


def _rows(rows: list[reports.TrendRow]) -> dict[str, tuple[int, int, int]]:
    return {r.label: (r.now, r.previous, r.year_before) for r in rows}


# --- periods ----------------------------------------------------------------------------------


def test_terms_follow_the_school_year_and_compare_with_the_term_before_and_a_year_before():
    assert AUTUMN.first == dt.date(2026, 9, 1) and AUTUMN.last == dt.date(2026, 12, 31)
    assert reports.previous_period(AUTUMN) == reports.term("summer", 2026)
    assert reports.previous_period(reports.term("spring", 2027)) == AUTUMN
    assert reports.previous_period(reports.term("summer", 2027)).last == dt.date(2027, 3, 31)
    assert reports.a_year_before(AUTUMN) == reports.term("autumn", 2025)
    assert reports.term_containing(dt.date(2027, 3, 31)).key == "spring-2027"
    assert reports.term_containing(dt.date(2027, 4, 1)).key == "summer-2027"
    assert reports.term_from_key("autumn-2026") == AUTUMN
    assert reports.term_from_key("winter-2026") is None


def test_a_custom_range_compares_with_as_many_days_before_and_the_same_days_a_year_before():
    period = reports.custom_period(dt.date(2026, 10, 1), dt.date(2026, 10, 10))
    assert reports.previous_period(period).first == dt.date(2026, 9, 21)
    assert reports.previous_period(period).last == dt.date(2026, 9, 30)
    assert reports.a_year_before(period).first == dt.date(2025, 10, 1)


# --- the figures ------------------------------------------------------------------------------


def test_incidents_count_by_kind_severity_and_year_group_with_the_trend(school, history):
    report = reports.termly_report(school, AUTUMN, now=NOW)
    assert report.previous.key == "summer-2026" and report.year_before.key == "autumn-2025"
    assert report.ongoing
    assert (report.incidents.now, report.incidents.previous, report.incidents.year_before) == (
        5,
        2,  # summer's misuse, and 31 August's malware (before autumn began in London)
        2,
    )
    kinds = _rows(report.by_kind)
    assert kinds["Cyberbullying"] == (2, 0, 0)
    assert kinds["Misuse of ICT"] == (1, 1, 1)
    assert kinds["Malware"] == (1, 1, 0)
    assert kinds["Offensive e-mail"] == (1, 0, 0)
    assert kinds["Data breach"] == (0, 0, 1)
    assert kinds["Illegal material"] == (0, 0, 0)
    severity = _rows(report.by_severity)
    assert severity == {
        "Minor": (1, 1, 1),
        "Moderate": (1, 0, 1),
        "Severe": (1, 0, 0),
        "Not yet assessed": (2, 1, 0),
    }
    years = _rows(report.by_year_group)
    assert years == {
        "Year 7": (2, 0, 1),
        "Year 9": (1, 1, 0),
        "Staff": (1, 0, 0),
        "No subject recorded": (2, 1, 1),
    }
    assert report.closed_in_period == 1
    assert report.open_now == 9


def test_sanctions_and_filtering_changes_are_counted_and_exceptions_listed(school, history):
    report = reports.termly_report(school, AUTUMN, now=NOW)
    sanctions = _rows(report.sanctions)
    assert sanctions["Verbal warning (held for 12 months)"] == (1, 1, 0)
    assert sanctions["Withdrawal of internet access"] == (1, 0, 0)
    assert sanctions["Referral to the disciplinary process"] == (0, 0, 0)
    assert _rows(report.filtering_changes) == {
        "Filter groups created": (0, 0, 1),
        "Sites added to a list": (2, 0, 0),
        "Exceptions granted (sites unblocked)": (1, 1, 0),
    }
    assert report.filtering_total.now == 3
    (exception,) = report.exceptions
    assert (exception.site, exception.group, exception.reason) == (
        "vaccines.example.org",
        "Year 10",
        "Science research project",
    )
    assert exception.expires_on == dt.date(2026, 11, 30) and exception.state == "Lapsed"


def test_triage_timeliness_counts_a_school_day_and_the_median(school, history):
    report = reports.termly_report(school, AUTUMN, now=NOW)
    t = report.triage
    assert (t.received, t.on_time, t.late, t.not_yet_due, t.unviewed) == (6, 3, 2, 1, 2)
    assert t.on_time_percent == 60
    # Waits of 1, 2, 48 and 71 hours: the median is 25 hours.
    assert t.median == dt.timedelta(hours=25) and t.median_words == "1 day 1 h"
    assert report.triage_previous.received == 1 and report.triage_previous.on_time_percent == 100
    assert report.overdue_now == 1


def test_deadlines_met_and_missed_across_a_weekend_are_counted_in_the_database(school):
    # Friday 6 November 2026, 15:00 is due on Monday at 15:00; Saturday's at Tuesday 00:00.
    _violation(school, _at(2026, 11, 6, 15), viewed_at=_at(2026, 11, 9, 14, 59))  # on time
    _violation(school, _at(2026, 11, 6, 15), viewed_at=_at(2026, 11, 9, 15, 1))  # late
    _violation(school, _at(2026, 11, 7, 11), viewed_at=_at(2026, 11, 9, 23))  # on time, 60 h
    _violation(school, _at(2026, 11, 10, 9), decided_at=_at(2026, 11, 12, 9))  # late, 48 h
    _violation(school, _at(2026, 12, 1, 9))  # never looked at: late, and overdue now
    _violation(school, _at(2026, 12, 2, 9), viewed_at=_at(2026, 12, 2, 10))  # on time, 1 h
    t = reports.termly_report(school, AUTUMN, now=NOW).triage
    assert (t.received, t.triaged, t.unviewed) == (6, 5, 1)
    assert (t.on_time, t.late, t.not_yet_due, t.on_time_percent) == (3, 3, 0, 50)
    # Waits of 1 h, 48 h, 60 h, 71 h 59 min and 72 h 1 min: the middle one.
    assert t.median == dt.timedelta(hours=60) and t.median_words == "2 days 12 h"
    assert reports.termly_report(school, AUTUMN, now=NOW).overdue_now == 1


# --- the pages --------------------------------------------------------------------------------


def test_governors_see_the_termly_report_but_no_names(school, history, governor, dsl, client_for):
    response = client_for(governor).get(reverse("incidents:termly_report"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Autumn term 2026" in page and "Print this report" in page
    assert "vaccines.example.org" in page and "Science research project" in page
    for person in (history.year7, history.year9, history.staff):
        assert person.first_name not in page and person.last_name not in page
    assert dsl.get_full_name() not in page
    assert "Quillfeather" not in page  # the incident's title names a pupil
    # Counts only: no way into the confidential log.
    log = reverse("incidents:list")
    assert f'href="{log}"' not in page and f'href="{log}?' not in page


def test_governors_may_not_read_the_incident_log_or_the_weekly_digest(
    school, history, governor, client_for
):
    client = client_for(governor)
    assert client.get(reverse("incidents:list")).status_code in {403, 404}
    incident = history.incidents["bullying"]
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code in {403, 404}
    assert client.get(reverse("incidents:weekly_digest")).status_code == 403


def test_a_teacher_may_not_read_the_reports(school, teacher, client_for):
    client = client_for(teacher)
    assert client.get(reverse("incidents:termly_report")).status_code == 403
    assert client.get(reverse("incidents:weekly_digest")).status_code == 403


def test_the_report_shows_a_chosen_term_or_a_date_range(school, history, governor, client_for):
    client = client_for(governor)
    summer = client.get(reverse("incidents:termly_report"), {"term": "summer-2026"})
    assert summer.context["report"].incidents.now == 2
    assert "Summer term 2026" in summer.content.decode()
    october = client.get(
        reverse("incidents:termly_report"), {"first": "2026-10-01", "last": "2026-10-31"}
    )
    assert october.context["report"].incidents.now == 1
    assert "1 October 2026 to 31 October 2026" in october.content.decode()
    wrong = client.get(reverse("incidents:termly_report"), {"first": "2026-10-01"})
    assert "Give both days" in wrong.content.decode()


def test_school_b_never_appears_in_the_report(
    school, other_school, history, headteacher, client_for
):
    incident_at(other_school, kind=IncidentKind.CYBERBULLYING)
    violation_at(other_school)
    FilterException.objects.create(
        school=other_school,
        site=f"{MARKER}.example.org",
        reason=MARKER,
        approved_by=headteacher,
        approved_at=NOW - dt.timedelta(days=2),
        expires_at=NOW + dt.timedelta(days=2),
    )
    response = client_for(headteacher).get(reverse("incidents:termly_report"))
    assert MARKER not in response.content.decode()
    report = response.context["report"]
    assert report.incidents.now == 5 and report.triage.received == 6
    assert len(report.exceptions) == 1


def test_the_termly_report_takes_a_bounded_number_of_queries(
    school, history, governor, client_for, django_assert_max_num_queries
):
    client = client_for(governor)
    client.get(reverse("incidents:termly_report"))  # warm the session
    more = PupilFactory.create_batch(5, school=school, year_group=8)
    for n, person in enumerate(more, start=20):
        _incident(school, n, IncidentKind.MISUSE, _at(2026, 10, 20), subjects=(person,))
        _violation(school, _at(2026, 10, 20), viewed_at=_at(2026, 10, 21))
    # The figures themselves: nine aggregate reads, however many rows there are, and at most
    # two for each area's section of the report.
    sections = 2 * len(collect("report_sections", "TERMLY"))
    with django_assert_max_num_queries(9 + sections):
        report = reports.termly_report(school, AUTUMN, now=NOW)
    assert _rows(report.by_year_group)["Year 8"] == (5, 0, 0)
    # The page adds sign-in, the session and one audit entry.
    with django_assert_max_num_queries(26 + sections):
        response = client.get(reverse("incidents:termly_report"))
    assert response.context["report"].incidents.now == 10


def test_the_weekly_digest_shows_the_e_mails_figures_with_links(school, history, dsl, client_for):
    response = client_for(dsl).get(reverse("incidents:weekly_digest"), {"week": "2026-11-11"})
    assert response.status_code == 200
    report = response.context["report"]
    # The week beginning Monday 9 November: the same builder the e-mail uses.
    expected = selectors.weekly_report(school, end=_at(2026, 11, 16, 0))
    assert report == expected
    assert report.violations == 2  # found on Tuesday 10 and Wednesday 11 November
    page = response.content.decode()
    assert reverse("incidents:list") + "?kind=cyberbullying&amp;status=" in page
    assert reverse("incidents:triage") + "?state=unviewed&amp;overdue=on" in page
    assert "Monday 9 November to Sunday 15 November 2026" in page
    assert "Week before" in page and "?week=2026-11-02" in page


def test_the_weekly_digest_defaults_to_the_seven_days_the_e_mail_covers(
    school, history, dsl, client_for
):
    response = client_for(dsl).get(reverse("incidents:weekly_digest"))
    report = response.context["report"]
    assert report.end == NOW and report.start == NOW - dt.timedelta(days=7)
    assert report.violations == 1


def test_the_reports_are_in_the_navigation_for_those_who_may_read_them(
    school, governor, dsl, teacher, client_for
):
    governor_page = client_for(governor).get(reverse("core:dashboard")).content.decode()
    assert "Governance" in governor_page and "E-safety figures by term" in governor_page
    assert "Weekly safeguarding digest" not in governor_page
    dsl_page = client_for(dsl).get(reverse("core:dashboard")).content.decode()
    assert "E-safety figures by term" in dsl_page and "Weekly safeguarding digest" in dsl_page
    teacher_page = client_for(teacher).get(reverse("core:dashboard")).content.decode()
    assert "E-safety figures by term" not in teacher_page
