"""The demo loader publishes the purposes and a spread of answers, once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from warden.consent.demo import load
from warden.consent.models import ConsentDecision, Purpose
from warden.consent.rules import State, consent_states
from warden.consent.testing import family
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_and_adds_nothing_the_second_time(school):
    for pupil in PupilFactory.create_batch(40, school=school):
        family(pupil)
    first = load(school=school, today=timezone.localdate(), seed=1)
    assert first["consent_purposes"] == 7 and first["consent_decisions"] > 100
    website = Purpose.objects.get(school=school, slug="website")
    pupils = list(school.people.filter(person_type="pupil").values_list("pk", flat=True))
    states = consent_states(school, website, pupils)
    found = {s.state for s in states.values()}
    assert {State.GRANTED, State.PENDING, State.REFUSED} <= found
    assert any(s.reason == "Waiting for 1 of 2 parents" for s in states.values())
    assert ConsentDecision.objects.filter(school=school, answer="withdrawn").count() == 1
    again = load(school=school, today=timezone.localdate(), seed=1)
    assert again == {"consent_purposes": 0, "consent_decisions": 0}
