from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.people.models import Person, PersonType, Status
from warden.people.services import (
    guardian_link,
    person_create,
    person_set_leaving,
    person_update,
)
from warden.people.signals import person_leaving
from warden.testing.factories import PersonFactory, PupilFactory


def test_creating_a_pupil_needs_a_year_group(school, office):
    with pytest.raises(ServiceError) as error:
        person_create(
            actor=office,
            school=school,
            fields={"person_type": PersonType.PUPIL, "first_name": "Ava", "last_name": "Khan"},
        )
    assert error.value.field_errors["year_group"] == ["A pupil needs a year group."]
    assert not Person.objects.exists()


def test_a_date_of_birth_outside_school_age_is_refused_with_the_age(school, office):
    with pytest.raises(ServiceError) as error:
        person_create(
            actor=office,
            school=school,
            fields={
                "person_type": PersonType.PUPIL,
                "first_name": "Ava",
                "last_name": "Khan",
                "year_group": 3,
                "date_of_birth": timezone.localdate().replace(year=1970),
            },
        )
    assert "check the date of birth" in error.value.field_errors["date_of_birth"][0]


def test_mis_id_is_unique_within_a_school(school, office):
    PupilFactory.create(school=school, mis_id="A100")
    with pytest.raises(ServiceError) as error:
        person_create(
            actor=office,
            school=school,
            fields={
                "person_type": PersonType.PUPIL,
                "first_name": "B",
                "last_name": "C",
                "year_group": 5,
                "mis_id": "A100",
            },
        )
    assert "already belongs" in error.value.field_errors["mis_id"][0]


def test_update_records_old_and_new_values_and_skips_no_change(school, office):
    person = PersonFactory.create(school=school, job_title="Teacher")
    person_update(actor=office, person=person, fields={"job_title": "Head of Year 7"})
    entry = AuditEntry.objects.get(action="person.updated")
    assert entry.changes == {"job_title": ["Teacher", "Head of Year 7"]}
    person_update(actor=office, person=person, fields={"job_title": "Head of Year 7"})
    assert AuditEntry.objects.filter(action="person.updated").count() == 1


def test_status_follows_the_lifecycle_dates(school, office):
    today = timezone.localdate()
    person = PersonFactory.create(school=school, joining_date=today + dt.timedelta(days=10))
    assert person.status == Status.JOINING
    with time_machine.travel(today + dt.timedelta(days=11)):
        assert Person.objects.get(pk=person.pk).status == Status.ACTIVE
    person_set_leaving(actor=office, person=person, leaving_date=today + dt.timedelta(days=30))
    with time_machine.travel(today + dt.timedelta(days=20)):
        assert Person.objects.with_status().get(pk=person.pk).status == Status.LEAVING
    with time_machine.travel(today + dt.timedelta(days=31)):
        assert Person.objects.with_status().get(pk=person.pk).status == Status.LEFT
        assert list(Person.objects.in_status(Status.LEFT)) == [person]


def test_setting_a_leaving_date_tells_other_areas(school, office):
    received = []

    def listener(sender, person, leaving_date, actor, **kwargs):
        received.append((person.pk, leaving_date, actor))

    person_leaving.connect(listener)
    try:
        person = PersonFactory.create(school=school)
        day = timezone.localdate() + dt.timedelta(days=3)
        person_set_leaving(actor=office, person=person, leaving_date=day, reason="Retiring")
    finally:
        person_leaving.disconnect(listener)
    assert received == [(person.pk, day, office)]


def test_leaving_before_joining_is_refused(school, office):
    person = PersonFactory.create(school=school, joining_date=dt.date(2025, 9, 1))
    with pytest.raises(ServiceError) as error:
        person_set_leaving(actor=office, person=person, leaving_date=dt.date(2025, 8, 1))
    assert "before the joining date" in error.value.message


def test_parents_are_linked_only_to_pupils_of_the_same_school(school, other_school, office):
    pupil = PupilFactory.create(school=school)
    parent = PersonFactory.create(school=school, person_type=PersonType.PARENT)
    link = guardian_link(actor=office, pupil=pupil, parent=parent, relationship="mother")
    assert link.parental_responsibility
    again = guardian_link(
        actor=office,
        pupil=pupil,
        parent=parent,
        relationship="mother",
        parental_responsibility=False,
    )
    assert again.pk == link.pk and not again.parental_responsibility
    stranger = PersonFactory.create(school=other_school, person_type=PersonType.PARENT)
    with pytest.raises(ServiceError):
        guardian_link(actor=office, pupil=pupil, parent=stranger, relationship="father")
