"""Any member of staff tells the DSL of a worry about a child; the record stays the DSL's.

The child is found by searching: the form never sends the school's whole roll of pupils.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.people.choosers import MAX_FOUND
from warden.safeguarding.models import WelfareConcern
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db

URL = reverse("safeguarding:report")


CHOOSE = reverse("people:choose")


def _found(page: str) -> list[str]:
    return re.findall(r'<span class="chooser-name">([^<]+)</span>', page)


def _worry(pupil_pk: int, **extra: str) -> dict[str, str]:
    return {
        "person": str(pupil_pk),
        "category": "abuse",
        "seen_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Said an older boy online keeps asking for photos.",
        **extra,
    }


def test_the_form_lists_no_pupil_until_a_search_finds_them(school, teacher, client_for):
    PupilFactory.create(school=school, first_name="Ada", last_name="Quill", form="5Q")
    PupilFactory.create(school=school, first_name="Bo", last_name="Stone", form="5S")
    client = client_for(teacher)
    page = client.get(URL).content.decode()
    assert "Quill" not in page and "Stone" not in page
    assert 'role="combobox"' in page
    assert f'hx-get="{CHOOSE}?scope=pupils&amp;for=id_person"' in page

    # htmx, as the teacher types, gets only the pupils found.
    found = client.get(CHOOSE, {"scope": "pupils", "q": "qui", "for": "id_person"})
    assert _found(found.content.decode()) == ["Ada Quill"]


def test_a_search_sends_at_most_the_first_pupils_found(school, teacher, client_for):
    for n in range(MAX_FOUND + 3):
        PupilFactory.create(school=school, first_name=f"Kit{n:02d}", last_name="Many")
    page = client_for(teacher).get(CHOOSE, {"scope": "pupils", "q": "many"}).content.decode()
    assert len(_found(page)) == MAX_FOUND
    assert "type more of the name" in page


def test_without_javascript_the_typed_name_chooses_the_child(school, teacher, client_for):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    PupilFactory.create(school=school, first_name="Ada", last_name="Stone")
    client = client_for(teacher)
    several = client.post(URL, {**_worry(0), "person": "", "person_search": "ada"})
    assert "2 pupils match ‘ada’: type more of the name." in several.content.decode()
    assert "Said an older boy" in several.content.decode()  # what was typed stays
    assert not WelfareConcern.objects.exists()
    client.post(URL, {**_worry(0), "person": "", "person_search": "ada quill"})
    assert WelfareConcern.objects.get().person == pupil


def test_a_teacher_tells_the_dsl_who_alone_can_read_it(
    school, teacher, dsl, client_for, django_capture_on_commit_callbacks
):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    client = client_for(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _worry(pupil.pk), follow=True)
    concern = WelfareConcern.objects.get()
    assert (concern.person, concern.raised_by, concern.category) == (pupil, teacher, "abuse")
    assert concern.steps.exists()  # the DSL's playbook is applied
    page = response.content.decode()
    assert f"Thank you: {concern.reference} is recorded." in page
    assert "you will not see it" in page
    entry = AuditEntry.objects.get(action="welfare_concern.reported")
    assert (entry.actor, entry.object_id) == (teacher, str(concern.pk))
    # The DSL is told at once, without the child's name.
    (message,) = [m for m in mail.outbox if dsl.email in m.to]
    assert concern.reference in message.subject
    assert "Quill" not in f"{message.subject} {message.body}"
    # Need-to-know: the reporter cannot read what they reported.
    detail = client.get(reverse("safeguarding:detail", args=[concern.pk]))
    assert detail.status_code == 404
    assert "older boy" not in detail.content.decode()


def test_a_choice_outside_the_school_is_refused(school, other_school, teacher, client_for):
    elsewhere = PupilFactory.create(school=other_school)
    page = client_for(teacher).post(URL, _worry(elsewhere.pk)).content.decode()
    assert "the one sent is not a pupil there" in page
    assert not WelfareConcern.objects.exists()


def test_a_governor_tells_the_dsl_in_person(school, governor, client_for):
    response = client_for(governor).get(URL)
    assert response.status_code == 403
    assert "tell the designated safeguarding lead in person" in response.content.decode()


def test_nothing_is_chosen_for_what_the_worry_is_about(school, teacher, client_for):
    pupil = PupilFactory.create(school=school, first_name="Ada", last_name="Quill")
    client = client_for(teacher)
    page = client.get(URL).content.decode()
    assert '<option value="" selected>Choose what it is about…</option>' in page
    refused = client.post(URL, _worry(pupil.pk, category=""))
    assert "Choose what the concern is about." in refused.content.decode()
    assert not WelfareConcern.objects.exists()
