"""People read names, dates and sentences, never Warden's internal codes.

The audit trail stores action codes, field names and primary keys (the hash chain covers
exactly what was written); the pages that show it, the refusal page, category columns and
"how long ago" put them into words.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.core.access import has_perm
from warden.core.audit import audit_log
from warden.core.roles import Perm
from warden.core.selectors import audit_history
from warden.monitoring.models import Violation
from warden.monitoring.services.filtering import request_create
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_the_audit_trail_shows_actions_names_and_dates_in_words(
    school, headteacher, dsl, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Jay", last_name="Gray")
    decided = dt.datetime(2026, 12, 20, 9, 5, tzinfo=dt.UTC)
    audit_log(actor=dsl, action="person.incidents_viewed", obj=pupil)
    audit_log(
        actor=headteacher,
        action="person.updated",
        obj=pupil,
        changes={"leaving_date": [None, decided.date().isoformat()]},
    )
    response = client_for(headteacher).get(reverse("core:audit_list"))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "<td>Dsl Tester read the incidents Jay Gray is part of</td>" in page
    assert "<td>Head Tester changed Jay Gray's details</td>" in page
    assert "person.incidents_viewed" not in page and "leaving_date" not in page
    assert "Leaving date: 20/12/2026" in page
    assert not re.search(r"\d{4}-\d\d-\d\d", page)
    assert re.search(r"\b\d+ entries\b", page)


def test_one_audit_entry_is_counted_as_one_entry(school, headteacher, client_for):
    response = client_for(headteacher).get(reverse("core:audit_list"), {"q": "no such thing"})
    assert "0 entries" in response.content.decode()
    audit_log(actor=headteacher, action="school.password_policy_changed", obj=school, school=school)
    response = client_for(headteacher).get(
        reverse("core:audit_list"), {"q": "password policy changed"}
    )
    page = response.content.decode()
    assert "1 entry<" in page and "1 entries" not in page
    assert "Head Tester changed the password policy of Oakfield Primary" in page


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("Authenticator reset", "reset Robin Ash's authenticator"),
        ("two factor", "reset Robin Ash's authenticator"),
        ("Loan checked out", "loan checked out"),
        ("loan.checked_out", "loan checked out"),
    ],
)
def test_the_audit_trail_is_searched_by_the_words_it_shows(
    words, found, school, headteacher, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Robin", last_name="Ash")
    audit_log(actor=headteacher, action="user.two_factor_reset", obj=pupil)
    audit_log(actor=headteacher, action="loan.checked_out", obj=pupil)
    response = client_for(headteacher).get(reverse("core:audit_list"), {"q": words})
    page = html.unescape(response.content.decode())
    assert "1 entry<" in page
    assert found in page
    other = ({"reset Robin Ash's authenticator", "loan checked out"} - {found}).pop()
    assert other not in page


def test_an_objects_history_names_its_people_in_one_query_however_long_it_is(
    school, headteacher, dsl, django_assert_num_queries
):
    pupil = PupilFactory.create(school=school, first_name="Jay", last_name="Gray")
    for _ in range(5):
        audit_log(
            actor=dsl,
            action="guardianship.updated",
            obj=pupil,
            changes={"updated_by": [None, headteacher.pk]},
        )
    # One query for the entries, one for the users they name (actors and changes alike);
    # the reader's roles are read once per request, before.
    has_perm(headteacher, Perm.AUDIT_VIEW, school)
    with django_assert_num_queries(2):
        history = audit_history(
            "people.person", pupil.pk, limit=30, reader=headteacher, school=school
        )
    # describe() sets these on each entry for the templates.
    assert [e.sentence for e in history] == ["Dsl Tester changed the link Jay Gray"] * 5  # type: ignore[attr-defined]
    assert [e.label for e in history] == ["Guardianship updated"] * 5  # type: ignore[attr-defined]


def test_the_refusal_page_names_the_right_in_words(school, teacher, client_for):
    response = client_for(teacher).get(reverse("core:audit_list"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "does not allow this: read the audit trail." in page
    assert "audit.view" not in page


def _violation(school, category: str) -> Violation:
    from warden.incidents.services.triage import triage_open

    pupil = PupilFactory.create(school=school)
    violation = Violation.objects.create(
        school=school,
        engine_id="a-1",
        source_id="0" * 64,
        offset=0,
        line_no=1,
        ts=timezone.now(),
        person=pupil,
        username="robin",
        url="https://www.example.org/search?q=test",
        host="www.example.org",
        phrase="",
        category=category,
        severity=5,
        kind="keyword",
    )
    triage_open(school=school, violation_ids=[violation.pk])  # as ingestion does
    return violation


def test_triage_shows_the_category_by_its_name(school, dsl, client_for):
    violation = _violation(school, "self-harm")
    client = client_for(dsl)
    queue = client.get(reverse("incidents:triage")).content.decode()
    assert "<td>Self-harm" in queue and "<td>self-harm" not in queue
    detail = client.get(
        reverse("incidents:triage_detail", kwargs={"violation_pk": violation.pk})
    ).content.decode()
    assert "<dd>Self-harm" in detail and "<dd>self-harm" not in detail


def test_an_unblock_request_made_a_moment_ago_was_asked_just_now(
    school, teacher, ict_manager, client_for
):
    request_create(
        actor=teacher,
        school=school,
        site="www.example.org",
        reason="Year 5 need it for their Romans topic.",
        wanted_until=timezone.now() + dt.timedelta(days=1),
    )
    page = client_for(ict_manager).get(reverse("core:dashboard")).content.decode()
    assert "just now" in page
    assert "0 minutes" not in page
