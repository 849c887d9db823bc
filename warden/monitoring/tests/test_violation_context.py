"""What else the device did around a violation: read from the archive that the real
``warden ingest`` command wrote; only for those who may see the violation, a member of
staff's only under a monitoring authorisation in force; audited; never another school's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from warden.cli import main as warden
from warden.core.models import AuditEntry, School, User
from warden.core.roles import Role
from warden.incidents.models import AuthorisationScope
from warden.incidents.services import authorisations
from warden.monitoring.models import Violation
from warden.monitoring.tests.monitoring_helpers import (
    START,
    pupil_with_account,
    squid_line,
    write_log,
)
from warden.people.models import Person
from warden.testing.factories import PersonFactory, UserFactory, member

SEARCH = "https://www.google.com/search?q=how+to+cut+myself"
PUPIL_IP, STAFF_IP = "10.0.0.5", "10.0.0.7"


def _at(minutes: float) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


@pytest.fixture
def staff_member(school: School) -> Person:
    person = PersonFactory.create(school=school, first_name="Sam", last_name="Staff-Subject")
    # The helper gives the account; the person stays a member of staff.
    pupil_account = pupil_with_account(school, "sam.staff")
    account = pupil_account.accounts.get()
    account.person = person
    account.save(update_fields=["person"])
    pupil_account.delete()
    return person


@pytest.fixture
def ingested(school, other_school, staff_member, settings, tmp_path: Path) -> dict[str, object]:
    """Two schools' logs through ``warden ingest``: a pupil's self-harm search among their
    other requests, a member of staff on the same machine a minute later, another pupil,
    a member of staff's own alert, and another school's request from the same address."""
    settings.VAR_DIR = tmp_path / "var"
    pupil = pupil_with_account(school, "pupil.one")
    pupil_with_account(school, "pupil.two")
    lines = [
        squid_line(_at(-11), PUPIL_IP, "https://too-early.example.org/", "pupil.one"),
        squid_line(_at(-10), PUPIL_IP, "https://first-edge.example.org/", "pupil.one"),
        squid_line(_at(-2), PUPIL_IP, "https://www.bbc.co.uk/bitesize", "pupil.one"),
        squid_line(_at(0), PUPIL_IP, SEARCH, "pupil.one"),
        squid_line(_at(1), PUPIL_IP, "https://staff-mail.example.org/inbox", "sam.staff"),
        squid_line(_at(3), PUPIL_IP, "https://en.wikipedia.org/wiki/Samaritans", "pupil.one"),
        squid_line(_at(4), "10.0.0.9", "https://someone-else.example.org/", "pupil.two"),
        squid_line(_at(10), PUPIL_IP, "https://last-edge.example.org/", "pupil.one"),
        squid_line(_at(10.02), PUPIL_IP, "https://too-late.example.org/", "pupil.one"),
        squid_line(_at(28), STAFF_IP, "https://shop.example.com/basket", "sam.staff"),
        squid_line(_at(30), STAFF_IP, SEARCH + "&staff=1", "sam.staff"),
    ]
    oak_log = write_log(tmp_path / "oak.log", lines)
    warden(["ingest", "--format", "squid", "--school", school.slug, str(oak_log)])
    elsewhere = [squid_line(_at(1), PUPIL_IP, "https://other-school.example.org/", "pupil.one")]
    river_log = write_log(tmp_path / "river.log", elsewhere)
    warden(["ingest", "--format", "squid", "--school", other_school.slug, str(river_log)])
    return {
        "pupil": Violation.objects.get(school=school, url=SEARCH, person=pupil),
        "staff": Violation.objects.get(school=school, url=SEARCH + "&staff=1"),
    }


def _url(violation: Violation) -> str:
    return reverse("monitoring:violation_context", kwargs={"violation_pk": violation.pk})


def _ask(dsl: User, school: School, subject: Person, **extra: object):
    """The DSL asks to examine ``subject``'s internet use, naming themself to do it."""
    today = authorisations.today_at(school)
    return authorisations.authorisation_request(
        actor=dsl,
        school=school,
        subject=subject,
        investigator=dsl,
        scope=AuthorisationScope.INTERNET,
        reason="Reports that a member of staff searched for self-harm methods in school.",
        starts_on=today,
        ends_on=today + dt.timedelta(days=14),
        **extra,  # type: ignore[arg-type]
    )


def _user(username: str, school: School, role: str) -> User:
    user = UserFactory.create(username=username)
    member(user, school, role)
    return user


def test_the_dsl_sees_the_pupils_requests_ten_minutes_either_side(
    school, dsl, client_for, ingested
):
    violation = ingested["pupil"]
    detail = client_for(dsl).get(
        reverse("monitoring:violation_detail", kwargs={"violation_pk": violation.pk})
    )
    assert _url(violation) in detail.content.decode()
    response = client_for(dsl).get(_url(violation))
    assert response.status_code == 200
    rows = response.context["context"].rows
    assert [row["host"] for row in rows] == [
        "first-edge.example.org",
        "www.bbc.co.uk",
        "www.google.com",
        "en.wikipedia.org",
        "last-edge.example.org",
    ]
    page = response.content.decode()
    assert "(this alert)" in page
    # The member of staff on the same machine is left out, and the page says so.
    assert "staff-mail" not in page and "1 request attributed to members of staff" in page
    for absent in ("too-early", "too-late", "someone-else", "other-school"):
        assert absent not in page
    entry = AuditEntry.objects.get(action="violation.context_viewed")
    assert (entry.actor, entry.object_id) == (dsl, str(violation.pk))
    assert (entry.changes["rows"][1], entry.changes["staff_hidden"][1]) == (5, 1)


def test_a_deputy_sees_it_and_those_who_may_not_see_violations_do_not(
    school, other_school, teacher, ict_manager, other_school_user, client_for, ingested
):
    deputy = _user("deputy", school, Role.DEPUTY_DSL)
    violation = ingested["pupil"]
    assert client_for(deputy).get(_url(violation)).status_code == 200
    for outsider in (teacher, ict_manager, other_school_user):
        assert client_for(outsider).get(_url(violation)).status_code in (403, 404)
    assert AuditEntry.objects.filter(action="violation.context_viewed").count() == 1


def test_a_staff_members_requests_need_an_authorisation_naming_the_viewer(
    school, dsl, headteacher, staff_member, client_for, ingested
):
    violation = ingested["staff"]
    refused = client_for(dsl).get(_url(violation))
    assert refused.status_code == 403
    assert "monitoring authorisation in force" in refused.content.decode()
    assert "shop.example.com" not in refused.content.decode()
    assert AuditEntry.objects.filter(action="violation.context_refused").count() == 1

    authorisation = _ask(dsl, school, staff_member)
    # Asked for but not yet approved: still refused.
    assert client_for(dsl).get(_url(violation)).status_code == 403
    authorisations.authorisation_approve(actor=headteacher, authorisation=authorisation)
    shown = client_for(dsl).get(_url(violation))
    assert shown.status_code == 200
    assert [row["host"] for row in shown.context["context"].rows] == [
        "shop.example.com",
        "www.google.com",
    ]
    # The headteacher may see the violation, but is not the investigator.
    assert client_for(headteacher).get(_url(violation)).status_code == 403


def test_an_authorisation_whose_period_of_use_misses_the_moment_opens_nothing(
    school, dsl, headteacher, staff_member, client_for, ingested
):
    authorisation = _ask(
        dsl, school, staff_member, history_from=START.date() + dt.timedelta(days=1)
    )
    authorisations.authorisation_approve(actor=headteacher, authorisation=authorisation)
    assert client_for(dsl).get(_url(ingested["staff"])).status_code == 403
