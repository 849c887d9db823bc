"""Training: induction set due when staff join, the matrix, recording and importing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.governance import selectors
from warden.governance.models import Completion, TrainingDue
from warden.governance.services import training
from warden.people.models import PersonType
from warden.people.services import person_create

pytestmark = pytest.mark.django_db


def _induction(school):
    return training.course_create(
        actor=None,
        school=school,
        title="Induction: e-safety",
        person_types=[PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF],
        due_within_days=14,
        induction=True,
    )


def _new_staff(school, days_ago: int, name: str = "Newcomer"):
    return person_create(
        actor=None,
        school=school,
        fields={
            "person_type": PersonType.TEACHING_STAFF,
            "first_name": "Alex",
            "last_name": name,
            "joining_date": timezone.localdate() - dt.timedelta(days=days_ago),
        },
    )


def test_a_new_member_of_staff_gets_the_induction_when_they_join(school):
    course = _induction(school)
    person = _new_staff(school, days_ago=3)
    due = TrainingDue.objects.get(person=person, course=course)
    assert due.due_on == person.joining_date + dt.timedelta(days=14)


def test_the_matrix_flags_an_overdue_induction(school, headteacher, client_for):
    _induction(school)
    _new_staff(school, days_ago=30)
    page = client_for(headteacher).get(reverse("governance:training"), {"overdue": "on"})
    body = page.content.decode()
    assert "Newcomer" in body and "Overdue since" in body and "1 overdue" in body


def test_a_recorded_completion_clears_the_overdue_flag(school, office, client_for):
    course = _induction(school)
    person = _new_staff(school, days_ago=30)
    client = client_for(office)
    response = client.post(
        reverse("governance:training_record"),
        {
            "course": course.pk,
            "people": [person.pk],
            "completed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Completion.objects.filter(person=person, course=course).exists()
    body = client.get(reverse("governance:training")).content.decode()
    assert "Done" in body and "Overdue since" not in body


def test_a_completion_expires_after_the_course_validity(school):
    course = training.course_create(
        actor=None,
        school=school,
        title="Safeguarding (annual)",
        person_types=[PersonType.TEACHING_STAFF],
        validity_months=12,
    )
    person = _new_staff(school, days_ago=800)
    done = timezone.localdate() - dt.timedelta(days=400)
    training.completions_record(actor=None, course=course, people=[person], completed_on=done)
    [row] = selectors.matrix_rows(school, [person], [course], timezone.localdate())
    assert row.cells[0].state == "expired" and row.overdue == 1


def test_many_people_are_recorded_at_once(school):
    course = _induction(school)
    people = [_new_staff(school, days_ago=5, name=f"Staff{i}") for i in range(3)]
    made = training.completions_record(
        actor=None, course=course, people=people, completed_on=timezone.localdate()
    )
    assert len(made) == 3
    [c] = selectors.compliance(school, timezone.localdate())
    assert (c.required, c.up_to_date, c.overdue) == (3, 3, 0)


def test_a_future_completion_date_is_refused(school):
    course = _induction(school)
    person = _new_staff(school, days_ago=5)
    with pytest.raises(ServiceError) as refused:
        training.completions_record(
            actor=None,
            course=course,
            people=[person],
            completed_on=timezone.localdate() + dt.timedelta(days=1),
        )
    assert "completed_on" in refused.value.field_errors


def test_an_import_with_an_error_imports_nothing_and_names_the_line(school):
    _induction(school)
    _new_staff(school, days_ago=5)
    content = (
        b"person,course,date\n"
        b"Alex Newcomer,Induction: e-safety,01/09/2026\n"
        b"Nobody Known,Induction: e-safety,01/09/2026\n"
    )
    with pytest.raises(ServiceError) as refused:
        training.training_import(actor=None, school=school, content=content)
    assert "Line 3" in refused.value.message
    assert not Completion.objects.exists()


def test_an_import_records_every_line(school):
    course = _induction(school)
    person = _new_staff(school, days_ago=5)
    day = timezone.localdate() - dt.timedelta(days=1)
    content = f"person,course,date\nAlex Newcomer,{course.title},{day:%d/%m/%Y}\n".encode()
    result = training.training_import(actor=None, school=school, content=content)
    assert result.recorded == 1
    assert Completion.objects.get().person == person


def test_the_matrix_is_searchable_and_paged(school, headteacher, client_for):
    _induction(school)
    for i in range(55):
        _new_staff(school, days_ago=5, name=f"Member{i:02d}")
    client = client_for(headteacher)
    first = client.get(reverse("governance:training")).content.decode()
    assert "Page 1 of 2" in first
    found = client.get(reverse("governance:training"), {"q": "Member07"}).content.decode()
    assert "Member07" in found and "Member08" not in found


def test_governors_do_not_see_the_training_matrix(school, governor, client_for):
    assert client_for(governor).get(reverse("governance:training")).status_code == 403
