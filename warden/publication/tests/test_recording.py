"""Recording on personal devices: permitted by a senior leader, for a period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.publication.models import RecordingPermission
from warden.testing.clients import signed_in
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher_person(school, teacher):
    return PersonFactory.create(
        school=school,
        person_type="teaching_staff",
        first_name="Tess",
        last_name="Teach",
        user=teacher,
    )


def _permit(client, staff, start, end):
    return client.post(
        reverse("publication:recording_list"),
        {
            "staff": staff.pk,
            "device": "personal iPhone",
            "conditions": "Residential trip only; moved to the Media Drive the same day",
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
        },
        follow=True,
    )


def test_a_headteacher_permits_and_the_teacher_sees_it_until_it_expires(
    school, headteacher, teacher, teacher_person
):
    today = dt.date.today()
    _permit(signed_in(headteacher), teacher_person, today, today + dt.timedelta(days=5))
    permission = RecordingPermission.objects.get()
    assert permission.agreed_by == headteacher

    page = signed_in(teacher).get(reverse("publication:recording_list")).content.decode()
    assert "You may record on personal iPhone until" in page

    later = dt.datetime.combine(today + dt.timedelta(days=6), dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(later, tick=False):
        page = signed_in(teacher).get(reverse("publication:recording_list")).content.decode()
        assert "You hold no permission" in page
        assert "Expired" in page


def test_a_teacher_cannot_permit_recording(school, teacher, teacher_person):
    today = dt.date.today()
    response = _permit(signed_in(teacher), teacher_person, today, today)
    assert response.status_code == 403
    assert not RecordingPermission.objects.exists()


def test_a_period_that_ends_before_it_starts_is_refused(school, headteacher, teacher_person):
    today = dt.date.today()
    response = _permit(signed_in(headteacher), teacher_person, today, today - dt.timedelta(1))
    assert "The last day comes on or after the first." in response.content.decode()
