from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.people.models import Person, PersonType
from warden.testing.factories import PersonFactory, PupilFactory


def test_people_list_searches_filters_and_paginates(school, office, client_for):
    for n in range(60):
        PupilFactory.create(school=school, last_name=f"Pupil{n:02d}", year_group=7 if n % 2 else 8)
    PersonFactory.create(school=school, first_name="Grace", last_name="Hopper")
    client = client_for(office)
    page = client.get(reverse("people:list"))
    assert page.status_code == 200
    assert b"61 people" in page.content
    assert b"Page 1 of 2" in page.content
    found = client.get(reverse("people:list"), {"q": "hopper"})
    assert b"1 people" in found.content and b"Hopper" in found.content
    year7 = client.get(reverse("people:list"), {"year_group": 7, "person_type": "pupil"})
    assert b"30 people" in year7.content


def test_people_list_runs_a_fixed_number_of_queries(school, office, client_for):
    client = client_for(office)
    for _ in range(5):
        PupilFactory.create(school=school)
    client.get(reverse("people:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("people:list"))
    for _ in range(40):
        PupilFactory.create(school=school)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("people:list"))
    assert len(many) == len(few)


def test_htmx_filter_returns_only_the_results(school, office, client_for):
    PupilFactory.create(school=school)
    response = client_for(office).get(reverse("people:list"), HTTP_HX_REQUEST="true")
    assert response.content.lstrip().startswith(b'<div id="results">')


def test_office_adds_a_person_and_errors_say_what_to_fix(school, office, client_for):
    client = client_for(office)
    bad = client.post(
        reverse("people:create"), {"person_type": "pupil", "first_name": "Ava", "last_name": "Khan"}
    )
    assert b"A pupil needs a year group." in bad.content
    good = client.post(
        reverse("people:create"),
        {"person_type": "pupil", "first_name": "Ava", "last_name": "Khan", "year_group": "4"},
    )
    person = Person.objects.get(last_name="Khan")
    assert good["Location"] == reverse("people:detail", kwargs={"person_pk": person.pk})
    assert AuditEntry.objects.filter(action="person.created", object_id=str(person.pk)).exists()


def test_teacher_can_read_the_register_but_not_change_it(school, teacher, client_for):
    person = PupilFactory.create(school=school)
    client = client_for(teacher)
    assert client.get(reverse("people:detail", kwargs={"person_pk": person.pk})).status_code == 200
    response = client.get(reverse("people:edit", kwargs={"person_pk": person.pk}))
    assert response.status_code == 403
    assert b"does not allow" in response.content


def test_governor_cannot_browse_the_register(school, governor, client_for):
    assert client_for(governor).get(reverse("people:list")).status_code == 403


def test_viewing_a_record_is_itself_recorded(school, teacher, client_for):
    person = PupilFactory.create(school=school)
    client_for(teacher).get(reverse("people:detail", kwargs={"person_pk": person.pk}))
    entry = AuditEntry.objects.get(action="person.viewed")
    assert entry.actor == teacher and entry.object_id == str(person.pk)


def test_recording_leaving_through_the_page(school, office, client_for):
    person = PersonFactory.create(school=school, person_type=PersonType.TEACHING_STAFF)
    response = client_for(office).post(
        reverse("people:leaving", kwargs={"person_pk": person.pk}),
        {"leaving_date": "2031-07-20", "leaving_reason": "Relocating"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert str(person.leaving_date) == "2031-07-20"


def test_linking_a_parent_from_the_pupil_page(school, office, client_for):
    pupil = PupilFactory.create(school=school)
    parent = PersonFactory.create(
        school=school, person_type=PersonType.PARENT, last_name="Parentson"
    )
    client = client_for(office)
    client.post(
        reverse("people:guardian_add", kwargs={"person_pk": pupil.pk}),
        {
            "parent": parent.pk,
            "relationship": "father",
            "parental_responsibility": "on",
            "contact_priority": 1,
        },
    )
    page = client.get(reverse("people:detail", kwargs={"person_pk": pupil.pk}))
    assert b"Parentson" in page.content and b"parental responsibility" in page.content
