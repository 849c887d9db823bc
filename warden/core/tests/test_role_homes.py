"""Each role lands on what it does: the home page (``core:dashboard``) of every role, the
trust administrator's roll-up, the menus, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.accounts import services as account_services
from warden.accounts.models import SystemKind
from warden.accounts.tests.helpers import active_account
from warden.agreements.models import Audience
from warden.agreements.testing import published_version, sign_current
from warden.core.dashboard import counts_by_school
from warden.core.models import School, User
from warden.core.roles import Role
from warden.equipment.services.loans import (
    Acceptance,
    equipment_settings_update,
    loan_check_out,
)
from warden.equipment.tests.factories import AssetFactory, signed_staff
from warden.incidents.models import IncidentKind, Part
from warden.incidents.selectors import open_incidents, triage_overdue
from warden.incidents.services.incidents import incident_report
from warden.incidents.services.triage import violations_received
from warden.monitoring.models import Violation
from warden.monitoring.services import filtering as filtering_services
from warden.monitoring.services.filtering_snapshot import snapshot_publish
from warden.monitoring.tests.filtering_helpers import make_groups
from warden.people.models import Person
from warden.people.services import person_create, person_set_leaving
from warden.safeguarding.services import concern_raise
from warden.testing.factories import (
    PersonFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

# --- what the homes are made of --------------------------------------------------------------


def alert(school: School, person: Person, *, severity: int = 5, days_ago: float = 0) -> Violation:
    """A monitoring alert handed to triage as ingestion would, found ``days_ago``."""
    found = timezone.now() - dt.timedelta(days=days_ago)
    n = Violation.objects.count()
    with time_machine.travel(found, tick=False):
        violation = Violation.objects.create(
            school=school,
            engine_id=f"home-{school.pk}-{n}",
            source_id="h" * 64,
            offset=n,
            line_no=n + 1,
            ts=found,
            person=person,
            username="pupil",
            host="www.example.com",
            phrase=f"worrying search {n}",
            category="self-harm",
            severity=severity,
            kind="keyword",
        )
        violations_received(school=school, violation_ids=[violation.pk])
    return violation


def incident(school: School, actor: User | None, pupil: Person) -> Any:
    return incident_report(
        actor=actor,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Shared a password",
        description="Something happened.",
        people=[(pupil, Part.SUBJECT)],
    )


def directory(school: School) -> Any:
    return account_services.system_create(
        actor=None, school=school, fields={"name": "Network sign-in", "kind": SystemKind.DIRECTORY}
    )


def leaver(school: School, systems: list[Any], approver: User, *, left_days_ago: int, **names):
    """A member of staff with a live account on each system, leaving ``left_days_ago``
    (negative: later)."""
    person = PersonFactory.create(school=school, **names)
    accounts = [active_account(person, system, approver=approver) for system in systems]
    person_set_leaving(
        actor=None,
        person=person,
        leaving_date=timezone.localdate() - dt.timedelta(days=left_days_ago),
    )
    return person, accounts


def loan(school: School, actor: User, *, due_in: int) -> Any:
    return loan_check_out(
        actor=actor,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=timezone.localdate() + dt.timedelta(days=due_in),
        acceptance=Acceptance(typed_name="A member of staff", confirmed=True),
    )


def unblock(school: School, user: User, site: str) -> Any:
    return filtering_services.request_create(
        actor=user,
        school=school,
        site=site,
        reason="Needed for a lesson on the water cycle.",
        wanted_until=timezone.now() + dt.timedelta(days=1),
    )


def unsigned_staff(school: School) -> Person:
    """A member of staff added to the register as the office would, not yet signed."""
    n = Person.objects.count()
    fields = {"person_type": "teaching_staff", "first_name": "New", "last_name": f"Starter{n}"}
    return person_create(actor=None, school=school, fields=fields)


def home(client_for: Callable[[User], Any], user: User) -> Any:
    response = client_for(user).get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response


def main_of(response: Any) -> str:
    """The page's own content, without the header (the user's own name) or the menu."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def titles(response: Any) -> list[str]:
    return [panel.title for panel in response.context["panels"]]


def panel(response: Any, title: str) -> Any:
    return next(p for p in response.context["panels"] if p.title.startswith(title))


@pytest.fixture(autouse=True)
def _loans_without_permission(school):
    equipment_settings_update(actor=None, school=school, staff_loans_need_permission=False)


# --- each role's home --------------------------------------------------------------------------


def test_the_dsl_lands_on_triage_then_welfare_concerns_and_incidents(school, dsl, client_for):
    pupil = PupilFactory.create(school=school, first_name="Alder", last_name="Whitlow")
    overdue = alert(school, pupil, severity=5, days_ago=4)
    fresh = alert(school, pupil, severity=3)
    incident(school, dsl, pupil)
    concern_raise(
        actor=dsl, school=school, person=pupil, category="other", summary="A worry about home."
    )

    response = home(client_for, dsl)
    assert titles(response)[:4] == [
        "Monitoring triage",
        "Welfare concerns",
        "E-safety incidents",
        "Violations in the last 24 hours",
    ]
    triage = panel(response, "Monitoring triage").context
    assert (triage["open"], triage["overdue"]) == (2, 1)
    assert dict(triage["by_severity"]) == {5: 1, 4: 0, 3: 1, 2: 0, 1: 0}
    assert [t.violation for t in triage["top"]] == [overdue, fresh]  # most severe first
    page = main_of(response)
    assert "Triage overdue:</strong> 1 unviewed violation" in page
    for v in (overdue, fresh):
        assert reverse("incidents:triage_detail", kwargs={"violation_pk": v.pk}) in page
    assert "Whitlow" in page  # the DSL decides about a named child
    assert "Web filtering" not in page and "Leavers' accounts" not in page


def test_the_ict_manager_sees_approvals_leavers_soonest_first_and_filtering_health(
    school, ict_manager, headteacher, client_for
):
    system = directory(school)
    account_services.account_request(
        actor=None, person=PersonFactory.create(school=school), system=system
    )
    later, _ = leaver(school, [system], headteacher, left_days_ago=-5, last_name="Laterleaver")
    sooner, _ = leaver(school, [system], headteacher, left_days_ago=4, last_name="Soonerleaver")

    response = home(client_for, ict_manager)
    assert titles(response)[:3] == [
        "Account requests",
        "Leavers' accounts to close",
        "Web filtering",
    ]
    assert panel(response, "Account requests").context["pending"]["requested"] == 1
    leavers = panel(response, "Leavers' accounts to close").context
    assert [a.person for a in leavers["due"]] == [sooner, later]
    assert (leavers["due_count"], leavers["overdue_count"]) == (2, 1)
    page = main_of(response)
    assert page.index("Soonerleaver") < page.index("Laterleaver")
    assert "No filter helper has checked in" in page  # filtering health, in brief
    assert "No policy is published" in page
    assert "Monitoring triage" not in page and "Welfare concerns" not in page


def test_a_technician_sees_the_ict_work_and_loans_but_not_the_backups(
    school, technician, client_for
):
    response = home(client_for, technician)
    assert titles(response)[:4] == [
        "Account requests",
        "Leavers' accounts to close",
        "Loans due back",
        "Web filtering",
    ]
    assert "Backups" not in titles(response)


def test_the_office_sees_signatures_outstanding_and_loans_due_back(school, office, client_for):
    version = published_version(school, Audience.STAFF)
    signed_staff(school)
    unsigned_staff(school)  # due to sign
    overdue = loan(school, office, due_in=0)
    soon = loan(school, office, due_in=5)
    loan(school, office, due_in=30)

    # Two days on, the first is overdue and the second due back within the week.
    with time_machine.travel(timezone.now() + dt.timedelta(days=2), tick=False):
        response = home(client_for, office)
    assert titles(response)[:4] == [
        "Acceptable-use agreements: signatures outstanding",
        "Consent for images: answers outstanding",
        "Loans due back",
        "People",
    ]
    (row,) = panel(response, "Acceptable-use agreements").context["rows"]
    assert (row["title"], row["pk"], row["due"]) == (
        version.agreement.title,
        version.agreement_id,
        1,
    )
    loans = panel(response, "Loans due back").context
    assert loans["due"] == [overdue, soon] and loans["overdue_count"] == 1
    page = main_of(response)
    signers = reverse("agreements:signers", kwargs={"agreement_pk": version.agreement_id})
    assert f"{signers}?status=due" in page
    assert "Monitoring triage" not in page and "Web filtering" not in page


def test_a_teacher_sees_report_a_concern_first_and_only_their_own_requests(
    school, teacher, dsl, client_for
):
    colleague = UserFactory.create(username="colleague")
    member(colleague, school, Role.TEACHER)
    unblock(school, teacher, "www.water-cycle.example")
    unblock(school, colleague, "www.someone-elses.example")
    pupil = PupilFactory.create(school=school)
    mine = incident(school, teacher, pupil)
    theirs = incident(school, colleague, pupil)

    response = home(client_for, teacher)
    assert titles(response)[:2] == ["Report a concern", "Your unblock requests"]
    page = main_of(response)
    assert reverse("safeguarding:report") in page and reverse("incidents:report") in page
    assert "water-cycle.example" in page and mine.reference in page
    assert "someone-elses.example" not in page and theirs.reference not in page
    assert pupil.last_name not in page  # a reporter's list names no one
    assert "Monitoring triage" not in page and "Web filtering" not in page


def test_a_governors_home_has_the_latest_report_in_figures_and_no_ones_name(
    school, governor, dsl, client_for
):
    pupil = PupilFactory.create(school=school, first_name="Quenby", last_name="Marchbank")
    staff = PersonFactory.create(school=school, first_name="Oriel", last_name="Tamsworth")
    incident(school, dsl, pupil)
    incident(school, dsl, staff)
    alert(school, pupil, days_ago=3)

    response = home(client_for, governor)
    assert titles(response)[0].startswith("Report for governors: ")
    report = panel(response, "Report for governors").context["report"]
    assert report.open_now == 2 and report.incidents.now == 2
    page = main_of(response)
    assert reverse("reporting:governors") in page
    for name in ("Quenby", "Marchbank", "Oriel", "Tamsworth", dsl.last_name):
        assert name not in page
    assert "Monitoring triage" not in page


def test_the_headteacher_sees_one_figure_per_area_and_what_is_overdue(
    school, headteacher, dsl, client_for
):
    system = directory(school)
    leaver(school, [system], headteacher, left_days_ago=5)
    alert(school, PupilFactory.create(school=school), days_ago=4)

    response = home(client_for, headteacher)
    assert titles(response) == [f"Overview of {school.name}"]
    overview = panel(response, "Overview").context
    areas = [f.area for f in overview["headlines"]]
    assert len(areas) == len(set(areas)) and len(areas) <= 10  # one screen
    assert {"Monitoring triage", "E-safety incidents", "Accounts", "Leavers"} <= set(areas)
    overdue = {(f.area, f.value) for f in overview["overdue"]}
    assert {("Monitoring triage", 1), ("Leavers", 1)} <= overdue
    page = main_of(response)
    assert "Overdue or needing a decision" in page
    assert reverse("incidents:triage") + "?state=unviewed&amp;overdue=on" in page


def test_a_user_with_two_roles_sees_both_in_the_order_of_their_work(school, client_for):
    user = UserFactory.create(username="dslwhoteaches")
    member(user, school, Role.TEACHER)
    member(user, school, Role.DSL)
    response = home(client_for, user)
    sections = response.context["sections"]
    assert [s.role for s in sections] == [Role.DSL, Role.TEACHER]
    assert sections[0].panels[0].title == "Monitoring triage"
    assert sections[1].panels[0].title == "Report a concern"
    page = main_of(response)
    assert page.index("Designated safeguarding lead") < page.index("Teacher</h2>")


# --- the trust administrator's roll-up ----------------------------------------------------------


@pytest.fixture
def trust_admin(school) -> User:
    user = UserFactory.create(username="trustadmin")
    member(user, None, Role.TRUST_ADMIN, trust=school.trust)
    return user


def _rollup(response: Any) -> dict[str, dict[str, str]]:
    data = panel(response, "Schools of").context
    return {
        row["school"].name: {c["column"].label: c["cell"].text for c in row["cells"]}
        for row in data["rows"]
    }


def test_the_trust_rollup_counts_each_school_of_the_trust(
    school, other_school, trust_admin, headteacher, dsl, client_for
):
    second = SchoolFactory.create(trust=school.trust, name="Ashgrove Primary", slug="ashgrove")
    # Oakfield: one leaver with two overdue accounts, two incidents open, an alert unviewed
    # for four days, half its staff signed, and a published policy.
    email = account_services.system_create(
        actor=None, school=school, fields={"name": "E-mail", "kind": SystemKind.EMAIL}
    )
    leaver(school, [directory(school), email], headteacher, left_days_ago=5)
    pupil = PupilFactory.create(school=school)
    incident(school, dsl, pupil)
    incident(school, dsl, pupil)
    alert(school, pupil, days_ago=4)
    alert(school, pupil)  # not yet overdue
    signed_staff(school)
    unsigned_staff(school)
    make_groups(school)
    snapshot_publish(school=school, reason="test")
    # Ashgrove: an incident open, nothing overdue, no policy yet. Riverside is another
    # trust's: it is not on the roll-up.
    incident(second, None, PupilFactory.create(school=second))

    response = home(client_for, trust_admin)
    assert titles(response)[0] == f"Schools of {school.trust.name}"
    rollup = _rollup(response)
    assert list(rollup) == ["Ashgrove Primary", "Oakfield Primary"]
    oakfield, ashgrove = rollup["Oakfield Primary"], rollup["Ashgrove Primary"]
    assert oakfield["Leavers overdue"] == "1"
    assert oakfield["Triage overdue"] == "1"
    assert oakfield["Incidents open"] == "2"
    assert oakfield["Signatures current"] == "50%"  # the leaver has left: not counted
    assert oakfield["Filter policy age"] == "today"
    assert (ashgrove["Leavers overdue"], ashgrove["Triage overdue"]) == ("0", "0")
    assert ashgrove["Incidents open"] == "1"
    assert ashgrove["Signatures current"] == "–"
    assert ashgrove["Filter policy age"] == "Never published"
    page = main_of(response)
    # Each figure switches to its school and opens the page behind it.
    assert 'name="next" value="/accounts/leavers/"' in page
    assert f'<input type="hidden" name="school" value="{second.slug}">' in page
    assert other_school.name not in page


def test_a_rollup_figure_switches_school_and_opens_its_page(school, trust_admin, client_for):
    second = SchoolFactory.create(trust=school.trust, name="Ashgrove Primary", slug="ashgrove")
    client = client_for(trust_admin)
    url = reverse("core:switch_school")
    response = client.post(url, {"school": second.slug, "next": "/accounts/leavers/"})
    assert response["Location"] == "/accounts/leavers/"
    assert client.get(reverse("core:dashboard")).context["school"] == second
    # Only a page of Warden's own: anything else lands on the home page.
    response = client.post(url, {"school": school.slug, "next": "https://evil.example/"})
    assert response["Location"] == reverse("core:dashboard")


def test_counts_by_school_asks_once_for_every_school(school):
    schools = [school, *(SchoolFactory.create(trust=school.trust) for _ in range(3))]
    for s in schools[:2]:
        incident(s, None, PupilFactory.create(school=s))
    with CaptureQueriesContext(connection) as queries:
        counts = counts_by_school(open_incidents(s) for s in schools)
        overdue = counts_by_school(triage_overdue(s) for s in schools)
    assert counts == {schools[0].pk: 1, schools[1].pk: 1}
    assert overdue == {}
    assert len(queries) == 2


# --- queries that do not grow with the data ------------------------------------------------------


def _fill(school: School, users: dict[str, Any]) -> None:
    """One more of everything each home counts or lists."""
    head, dsl, teacher, office = users["head"], users["dsl"], users["teacher"], users["office"]
    pupil = PupilFactory.create(school=school)
    alert(school, pupil, days_ago=3)
    alert(school, pupil, severity=2)
    incident(school, dsl, pupil)
    incident(school, teacher, pupil)
    concern_raise(actor=dsl, school=school, person=pupil, category="other", summary="A worry.")
    system = users["system"]
    account_services.account_request(
        actor=None, person=PersonFactory.create(school=school), system=system
    )
    leaver(school, [system], head, left_days_ago=4)
    leaver(school, [system], head, left_days_ago=-3)
    sign_current(PersonFactory.create(school=school))
    unsigned_staff(school)
    loan(school, office, due_in=0)
    loan(school, office, due_in=20)
    unblock(school, teacher, f"www.site-{Violation.objects.count()}.example")


def _queries(client: Any) -> int:
    client.get(reverse("core:dashboard"))  # sessions and the like warmed up
    cache.clear()  # every figure worked out, none reused (core.dashboard.reused)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:dashboard")).status_code == 200
    return len(queries)


def test_no_home_runs_more_queries_as_the_school_fills(
    school, headteacher, dsl, ict_manager, technician, office, teacher, governor, client_for
):
    users: dict[str, Any] = {
        "head": headteacher,
        "dsl": dsl,
        "teacher": teacher,
        "office": office,
        "system": directory(school),
    }
    trust_admin = UserFactory.create(username="trustadmin")
    member(trust_admin, None, Role.TRUST_ADMIN, trust=school.trust)
    everyone = [headteacher, dsl, ict_manager, technician, office, teacher, governor, trust_admin]
    clients = {u.username: client_for(u) for u in everyone}
    _fill(school, users)
    before = {name: _queries(c) for name, c in clients.items()}
    for _ in range(3):
        _fill(school, users)
    after = {name: _queries(c) for name, c in clients.items()}
    assert after == before


def test_the_rollup_asks_no_more_for_more_schools(school, trust_admin, client_for):
    client = client_for(trust_admin)
    two = _queries(client)
    for n in range(3):
        more = SchoolFactory.create(trust=school.trust, slug=f"more-{n}")
        pupil = PupilFactory.create(school=more)
        incident(more, None, pupil)
        alert(more, pupil, days_ago=4)
        unsigned_staff(more)
    # Every column is one query for all the schools of the trust.
    assert _queries(client) == two
