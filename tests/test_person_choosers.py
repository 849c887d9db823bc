"""Every page that chooses a person finds them as the user types: none sends the register.

Issue 16 measured a report form of 6,581 options (448 KB). Each page here is opened on a school
of 500 people: it must stay small, name none of them, offer a combobox in place of the
drop-down, and still take a person typed by name when the browser runs no JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import System
from warden.core.models import School, User
from warden.equipment.models import ClassSet, Loan
from warden.equipment.services.class_sets import class_set_assign, class_set_create
from warden.equipment.tests.factories import AssetFactory
from warden.incidents.models import Incident, Part
from warden.incidents.services.incidents import incident_report
from warden.monitoring.models.monitoring import Violation
from warden.people.models import Person, PersonType
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

PEOPLE = 500
# The report form once weighed 448 KB; without the register it is a few kilobytes.
MOST_BYTES = 30_000


def _school_of_500(school: School) -> list[str]:
    """500 pupils, staff and parents with last names no page text could hold by chance."""
    types = [PersonType.PUPIL] * 3 + [PersonType.PARENT, PersonType.TEACHING_STAFF]
    Person.objects.bulk_create(
        Person(
            school=school,
            person_type=types[n % len(types)],
            first_name=f"Given{n:03d}",
            last_name=f"Registerer{n:03d}",
            year_group=7 if types[n % len(types)] == PersonType.PUPIL else None,
            form="7Q" if types[n % len(types)] == PersonType.PUPIL else "",
        )
        for n in range(PEOPLE)
    )
    return [f"Registerer{n:03d}" for n in range(PEOPLE)]


def _incident(school: School, user: User) -> Incident:
    subject = PupilFactory.create(school=school, first_name="Robin", last_name="Subjectson")
    return incident_report(
        actor=user,
        school=school,
        kind="misuse",
        title="A misuse",
        description="Something happened.",
        people=[(subject, Part.SUBJECT)],
    )


def _class_set(school: School, user: User) -> ClassSet:
    class_set = class_set_create(actor=user, school=school, name="Trolley A")
    class_set_assign(actor=user, class_set=class_set, assets=[AssetFactory.create(school=school)])
    return class_set


def _remote_system(school: School) -> System:
    return System.objects.create(school=school, name="Remote desktop", remote_access=True)


PAGES: dict[str, tuple[str, Callable[[School, User], str]]] = {
    "incident report": ("teacher", lambda s, u: reverse("incidents:report")),
    "incident detail": (
        "dsl",
        lambda s, u: reverse("incidents:detail", args=[_incident(s, u).pk]),
    ),
    "authorisation request": ("dsl", lambda s, u: reverse("incidents:authorisation_request")),
    "worry about a child": ("teacher", lambda s, u: reverse("safeguarding:report")),
    "account request": ("ict_manager", lambda s, u: reverse("accounts:account_request")),
    "asset check-out": (
        "office",
        lambda s, u: reverse("equipment:asset_detail", args=[AssetFactory.create(school=s).pk]),
    ),
    "class set": (
        "office",
        lambda s, u: reverse("equipment:class_set_detail", args=[_class_set(s, u).pk]),
    ),
    "personal devices": ("teacher", lambda s, u: reverse("equipment:device_list")),
    "pupils' phones": ("office", lambda s, u: reverse("equipment:phone_list")),
    "guest Wi-Fi": ("office", lambda s, u: reverse("equipment:wifi_list")),
    "violations": ("dsl", lambda s, u: reverse("monitoring:violation_list")),
    "staff named for remote access": (
        "ict_manager",
        lambda s, u: reverse("accounts:system_detail", args=[_remote_system(s).pk]),
    ),
    "link a parent": (
        "office",
        lambda s, u: reverse("people:guardian_add", args=[PupilFactory.create(school=s).pk]),
    ),
}


@pytest.mark.parametrize("page_name", PAGES)
def test_a_page_that_chooses_a_person_sends_no_one_and_stays_small(
    page_name: str, school: School, request: pytest.FixtureRequest, client_for: Any
) -> None:
    role, url_of = PAGES[page_name]
    user = request.getfixturevalue(role)
    names = _school_of_500(school)
    response = client_for(user).get(url_of(school, user))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="combobox"' in html, f"{page_name} has no person chooser"
    assert [name for name in names if name in html] == []
    assert len(response.content) < MOST_BYTES, f"{page_name}: {len(response.content)} bytes"


def test_a_report_typed_without_javascript_names_the_one_person_it_matches(
    school, teacher, client_for
):
    _school_of_500(school)
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="7B")
    client = client_for(teacher)
    report = {
        "kind": "misuse",
        "title": "Shared a password",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "description": "Told me in a lesson.",
        "subject_search": "Registerer",
        "victim_search": "",
    }
    several = client.post(reverse("incidents:report"), report).content.decode()
    assert "More than 10 people match ‘Registerer’: type more of the name." in several
    assert not Incident.objects.exists()
    client.post(reverse("incidents:report"), {**report, "subject_search": "ada quill"})
    incident = Incident.objects.get()
    assert [(i.person, i.part) for i in incident.involvements.all()] == [(pupil, Part.SUBJECT)]


def test_a_person_added_to_an_incident_is_checked_against_the_school(
    school, other_school, dsl, client_for
):
    incident = _incident(school, dsl)
    witness = PupilFactory.create(school=school, first_name="Sam", last_name="Witness")
    theirs = PupilFactory.create(school=other_school)
    client = client_for(dsl)
    url = reverse("incidents:person_add", args=[incident.pk])
    client.post(url, {"person": str(theirs.pk), "part": Part.WITNESS})
    client.post(url, {"person": "", "person_search": "sam witness", "part": Part.WITNESS})
    assert sorted(i.person.last_name for i in incident.involvements.all()) == [
        "Subjectson",
        "Witness",
    ]
    assert witness in [i.person for i in incident.involvements.all()]


def test_an_account_request_from_a_person_page_starts_with_them_chosen(
    school, ict_manager, client_for
):
    person = PersonFactory.create(school=school, first_name="Nia", last_name="Newstarter")
    page = client_for(ict_manager).get(reverse("accounts:account_request"), {"person": person.pk})
    html = page.content.decode()
    assert 'value="Nia Newstarter (Teaching staff)"' in html
    assert f'<input type="hidden" name="person" value="{person.pk}"' in html


def test_a_loan_borrower_is_found_among_those_who_may_borrow(school, office, client_for):
    asset = AssetFactory.create(school=school)
    parent = PersonFactory.create(school=school, person_type=PersonType.PARENT, last_name="Kin")
    pupil = PupilFactory.create(school=school, first_name="Ash", last_name="Kin")
    client = client_for(office)
    url = reverse("equipment:loan_check_out", args=[asset.pk])
    client.post(url, {"person": str(parent.pk), "kind": "loan", "due_on": "2099-01-01"})
    assert not Loan.objects.exists()
    client.post(url, {"person_search": "ash kin", "kind": "loan", "due_on": "2099-01-01"})
    assert Loan.objects.get().person == pupil


def test_the_violations_filter_finds_the_person_typed(school, dsl, client_for):
    from warden.incidents.tests.object_makers import violation_at

    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    violation_at(school, person=pupil, phrase="quill-search")
    violation_at(school, phrase="someone-else")
    client = client_for(dsl)
    url = reverse("monitoring:violation_list")
    everyone = client.get(url).content.decode()
    assert "quill-search" in everyone and "someone-else" in everyone
    chosen = client.get(url, {"person": str(pupil.pk), "person_search": ""}).content.decode()
    assert "quill-search" in chosen and "someone-else" not in chosen
    typed = client.get(url, {"person": "", "person_search": "ada quill"}).content.decode()
    assert "quill-search" in typed and "someone-else" not in typed
    assert Violation.objects.count() == 2


def test_staff_named_for_remote_access_are_added_by_name_and_taken_off_by_unticking(
    school, other_school, ict_manager, client_for
):
    _school_of_500(school)
    system = _remote_system(school)
    ada = PersonFactory.create(school=school, first_name="Ada", last_name="Remoter")
    bo = PersonFactory.create(school=school, first_name="Bo", last_name="Remoter")
    pupil = PupilFactory.create(school=school, first_name="Cy", last_name="Remoter")
    theirs = PersonFactory.create(school=other_school)
    client = client_for(ict_manager)
    url = reverse("accounts:system_remote_people", args=[system.pk])
    detail = reverse("accounts:system_detail", args=[system.pk])

    # Chosen from the list (ids), and one more typed without JavaScript.
    client.post(url, {"people": [str(ada.pk)], "people_search": "bo remoter"})
    assert sorted(p.first_name for p in system.remote_people.all()) == ["Ada", "Bo"]
    html = client.get(detail).content.decode()
    assert f'name="people" value="{ada.pk}" checked' in html

    # Unticking one sends the others only.
    client.post(url, {"people": [str(bo.pk)], "people_search": ""})
    assert list(system.remote_people.all()) == [bo]

    # A pupil, another school's person, or words matching several are refused, and nothing
    # changes.
    for data, words in [
        ({"people": [str(pupil.pk)]}, "one sent is not a member of staff there"),
        ({"people": [str(theirs.pk)]}, "one sent is not a member of staff there"),
        ({"people": [str(bo.pk)], "people_search": "remoter"}, "type more of the name"),
    ]:
        page = client.post(url, data, follow=True).content.decode()
        assert words in page
        assert list(system.remote_people.all()) == [bo]
