"""Who may appear: granted only when every required answer is yes; refusals say why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.consent import services
from warden.consent.models import ConsentDecision, DecisionRecordChanged, Purpose
from warden.consent.rules import refusals
from warden.consent.signals import consent_refused
from warden.consent.testing import answer, family, purposes_published
from warden.core.errors import ServiceError
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(school):
    return purposes_published(school)


def test_every_school_gets_the_starter_purposes_slug_first(school, published):
    slugs = set(Purpose.objects.filter(school=school).values_list("slug", flat=True))
    assert {"website", "social-media", "press", "name-with-image"} <= slugs


def test_one_parent_yes_and_the_other_waiting_is_refused_with_the_count(school, published):
    pupil = PupilFactory.create(school=school)
    first, _second = family(pupil)
    answer(pupil, first, "website", "yes")
    assert refusals(school, "website", [pupil.pk]) == {pupil.pk: "Waiting for 1 of 2 parents"}


def test_every_parent_yes_grants_and_the_pupil_is_absent(school, published):
    pupil = PupilFactory.create(school=school)
    for parent in family(pupil):
        answer(pupil, parent, "website", "yes")
    assert refusals(school, "website", [pupil.pk]) == {}


def test_a_withdrawal_refuses_at_once_and_sends_the_signal(school, published):
    pupil = PupilFactory.create(school=school)
    first, second = family(pupil)
    answer(pupil, first, "press", "yes")
    answer(pupil, second, "press", "yes")
    heard = []
    consent_refused.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        decision = answer(pupil, second, "press", "no")
    finally:
        consent_refused.disconnect(dispatch_uid="t")
    assert decision is not None and decision.answer == "withdrawn"
    day = timezone.localtime(decision.decided_at)
    assert refusals(school, "press", [pupil.pk]) == {
        pupil.pk: f"Withdrawn by a parent on {day.day} {day:%b %Y}"
    }
    assert [h["pupil"] for h in heard] == [pupil]
    assert heard[0]["purpose"].slug == "press" and heard[0]["decision"] == decision
    # History stays: the yes is still there, superseded.
    answers = list(
        ConsentDecision.objects.filter(pupil=pupil, decided_by=second).values_list(
            "answer", flat=True
        )
    )
    assert answers == ["withdrawn", "yes"]


def test_a_decision_is_never_edited(school, published):
    pupil = PupilFactory.create(school=school)
    (parent,) = family(pupil, parents=1)
    decision = answer(pupil, parent, "website", "yes")
    assert decision is not None
    decision.answer = "no"
    with pytest.raises(DecisionRecordChanged):
        decision.save()


def test_a_new_parent_link_reopens_a_granted_purpose(school, published):
    pupil = PupilFactory.create(school=school)
    (parent,) = family(pupil, parents=1)
    answer(pupil, parent, "website", "yes")
    assert refusals(school, "website", [pupil.pk]) == {}
    family(pupil, parents=1)
    assert refusals(school, "website", [pupil.pk]) == {pupil.pk: "Waiting for 1 of 2 parents"}


def test_never_asked_and_name_with_image_and_no_parent(school, published):
    pupil = PupilFactory.create(school=school)
    family(pupil)
    orphan = PupilFactory.create(school=school)
    found = refusals(school, "website", [pupil.pk, orphan.pk])
    assert found[pupil.pk] == "Never asked"
    assert "No parent or carer" in found[orphan.pk]
    assert refusals(school, "name-with-image", [pupil.pk]) == {
        pupil.pk: "Name with image is never allowed"
    }


def test_an_unknown_purpose_is_a_service_error_naming_the_known_ones(school, published):
    with pytest.raises(ServiceError, match=r"no consent purpose 'webiste'.*website"):
        refusals(school, "webiste", [])


def test_refusals_read_a_class_in_a_fixed_number_of_queries(
    school, published, django_assert_max_num_queries
):
    pupils = PupilFactory.create_batch(12, school=school)
    for pupil in pupils:
        family(pupil)
    with django_assert_max_num_queries(4):
        found = refusals(school, "website", [p.pk for p in pupils])
    assert len(found) == 12


def test_a_yes_that_lasts_two_years_runs_out(school, published):
    purpose = Purpose.objects.get(school=school, slug="press")
    services.purpose_update(actor=None, purpose=purpose, fields={"lasts_years": 2})
    pupil = PupilFactory.create(school=school)
    (parent,) = family(pupil, parents=1)
    decision = answer(pupil, parent, "press", "yes")
    assert decision is not None
    ends = timezone.localtime(decision.decided_at).replace(year=decision.decided_at.year + 2)
    assert refusals(school, "press", [pupil.pk], at=ends - dt.timedelta(days=1)) == {}
    assert refusals(school, "press", [pupil.pk], at=ends + dt.timedelta(days=30)) == {
        pupil.pk: f"Consent ran out on {ends.day} {ends:%b %Y}"
    }


def test_a_pupil_of_thirteen_is_asked_too_when_the_purpose_says_so(school, published):
    purpose = Purpose.objects.get(school=school, slug="social-media")
    services.purpose_update(actor=None, purpose=purpose, fields={"asks": "parents_pupil"})
    pupil = PupilFactory.create(
        school=school, date_of_birth=timezone.localdate() - dt.timedelta(days=14 * 366)
    )
    (parent,) = family(pupil, parents=1)
    answer(pupil, parent, "social-media", "yes")
    assert refusals(school, "social-media", [pupil.pk]) == {pupil.pk: "Waiting for the pupil"}
    answer(pupil, pupil, "social-media", "yes")
    assert refusals(school, "social-media", [pupil.pk]) == {}


def test_a_new_version_that_asks_again_sets_earlier_answers_aside(school, published):
    purpose = Purpose.objects.get(school=school, slug="website")
    pupil = PupilFactory.create(school=school)
    (parent,) = family(pupil, parents=1)
    answer(pupil, parent, "website", "yes")
    draft = services.version_create(
        actor=None, purpose=purpose, label="2027", text="The website now shows video too. " * 3
    )
    version = services.version_publish(actor=None, version=draft, asks_again=True)
    assert version.published_at is not None
    day = timezone.localtime(version.published_at)
    assert refusals(school, "website", [pupil.pk]) == {
        pupil.pk: f"Asked again: the wording changed on {day.day} {day:%b %Y}"
    }
    answer(pupil, parent, "website", "yes")
    assert refusals(school, "website", [pupil.pk]) == {}
