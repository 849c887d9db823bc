"""Training confirmed by the person through a one-time link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from warden.agreements.links import LinkRefused
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.governance.models import Completion, Method, TrainingLink
from warden.governance.services import training, training_links
from warden.people.models import PersonType
from warden.people.services import person_create
from warden.testing.clients import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(school):
    return training.course_create(
        actor=None,
        school=school,
        title="Annual online safety",
        person_types=[PersonType.TEACHING_STAFF],
        validity_months=12,
    )


@pytest.fixture
def trainee(school, course):
    return person_create(
        actor=None,
        school=school,
        fields={
            "person_type": PersonType.TEACHING_STAFF,
            "first_name": "Robin",
            "last_name": "Trainee",
            "email": "trainee@example.org",
        },
    )


def _token(body: str) -> str:
    found = re.search(r"/governance/training/confirm/([^/\s]+)/", body)
    assert found, body
    return found[1]


def _send(course, trainee) -> str:
    with committed():
        result = training_links.training_links_send(
            actor=None, course=course, people=[trainee], root="http://testserver"
        )
    assert result.sent == 1
    (message,) = [m for m in mail.outbox if m.to == [trainee.email]]
    return _token(str(message.body))


def test_a_confirmed_link_records_the_completion_once(course, trainee):
    token = _send(course, trainee)
    day = timezone.localdate() - dt.timedelta(days=10)
    done = training_links.training_link_use(
        token=token, typed_name="robin  TRAINEE", completed_on=day
    )
    assert (done.person, done.course, done.completed_on) == (trainee, course, day)
    assert done.method == Method.CONFIRMED and done.expires_on is not None
    assert AuditEntry.objects.filter(action="training_link.used").exists()
    assert TrainingLink.objects.get().completion == done
    with pytest.raises(LinkRefused, match="already been used"):
        training_links.link_for_token(token)


def test_a_wrong_name_or_an_expired_link_records_nothing(course, trainee):
    token = _send(course, trainee)
    with pytest.raises(ServiceError, match="own name"):
        training_links.training_link_use(
            token=token, typed_name="Someone Else", completed_on=timezone.localdate()
        )
    TrainingLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(LinkRefused, match="expired"):
        training_links.training_link_use(
            token=token, typed_name=trainee.full_name, completed_on=timezone.localdate()
        )
    assert not Completion.objects.exists()


def test_only_people_the_course_is_set_for_are_asked(school, course, office):
    governor = person_create(
        actor=None,
        school=school,
        fields={"person_type": PersonType.GOVERNOR, "first_name": "Gale", "last_name": "Board"},
    )
    with pytest.raises(ServiceError, match="not set for"):
        training_links.training_links_send(actor=None, course=course, people=[governor])


def test_staff_send_and_the_person_confirms_on_the_page(
    school, course, trainee, office, client_for
):
    with committed():
        sent = client_for(office).post(
            reverse("governance:training_links"), {"course": course.pk, "people": [trainee.pk]}
        )
    assert sent.status_code == 302, sent.content.decode()
    token = _token(str(mail.outbox[-1].body))
    url = reverse("governance:training_confirm", kwargs={"token": token})
    public = Client()
    page = public.get(url)
    assert page.status_code == 200 and "Annual online safety" in page.content.decode()
    wrong = public.post(url, {"completed_on": timezone.localdate().isoformat(), "typed_name": "X"})
    assert wrong.status_code == 400 and "own name" in wrong.content.decode()
    done = public.post(
        url,
        {"completed_on": timezone.localdate().isoformat(), "typed_name": "Robin Trainee"},
    )
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert Completion.objects.filter(person=trainee, method=Method.CONFIRMED).count() == 1
    assert public.get(url).status_code == 410
    assert public.get(url.replace(token[:4], "xxxx")).status_code == 404
