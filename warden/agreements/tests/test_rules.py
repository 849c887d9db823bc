"""The gate: ``access_refusal`` and ``people_past_grace`` say who may have access, and why not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from warden.agreements import services
from warden.agreements.models import Agreement, Audience, Method, VersionStatus
from warden.agreements.rules import State, access_refusal, audience_for, standing_of
from warden.agreements.selectors import people_past_grace
from warden.agreements.testing import (
    countersign_at_desk,
    parent_of,
    published_version,
    sign_current,
)
from warden.people.models import Guardianship, PersonType
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

LONDON = dt.UTC


def _at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def _new_version(school, audience, *, requires_resign: bool, label: str = "2027"):
    agreement = Agreement.objects.get(school=school, audience=audience)
    draft = services.version_create(
        actor=None,
        agreement=agreement,
        label=label,
        text="A changed text for everyone to read and sign again. " * 3,
    )
    return services.version_publish(actor=None, version=draft, requires_resign=requires_resign)


def test_staff_member_without_a_signature_is_refused_with_the_agreement_named(school):
    person = PersonFactory.create(school=school)
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        published_version(school, Audience.STAFF)
        assert access_refusal(person) == (
            "cannot activate: Staff acceptable-use agreement 2026 not signed"
        )


def test_no_published_agreement_is_a_refusal_that_says_to_publish_one(school):
    person = PersonFactory.create(school=school)
    refusal = access_refusal(person)
    assert refusal is not None
    assert "no acceptable-use agreement for staff is published" in refusal


def test_a_current_signature_lets_a_staff_member_through(school):
    person = PersonFactory.create(school=school)
    sign_current(person)
    assert access_refusal(person) is None


def test_a_pupil_without_a_parent_counter_signature_does_not_count(school):
    pupil = PupilFactory.create(school=school, year_group=5)
    parent = parent_of(pupil)
    signature = sign_current(pupil, countersign=False)
    refusal = access_refusal(pupil)
    assert refusal is not None
    assert "counter-signature of a parent or carer is missing" in refusal
    assert "KS2 pupils' acceptable-use agreement" in refusal
    countersign_at_desk(signature, parent)
    assert access_refusal(pupil) is None


def test_a_counter_signature_by_a_parent_without_parental_responsibility_is_refused(school):
    pupil = PupilFactory.create(school=school)
    signature = sign_current(pupil, countersign=False)
    other = PersonFactory.create(school=school, person_type=PersonType.PARENT)
    Guardianship.objects.create(
        school=school,
        pupil=pupil,
        parent=other,
        relationship="other",
        parental_responsibility=False,
    )
    from warden.core.errors import ServiceError

    with pytest.raises(ServiceError, match="parental responsibility"):
        services.countersignature_record(
            actor=None,
            signature=signature,
            parent=other,
            typed_name="Some One",
            confirmed=True,
            method=Method.DESK,
        )


def test_pupils_sign_their_key_stages_agreement(school):
    assert audience_for(PupilFactory.build(school=school, year_group=0)) == Audience.PUPIL_EYFS_KS1
    assert audience_for(PupilFactory.build(school=school, year_group=4)) == Audience.PUPIL_KS2
    assert audience_for(PupilFactory.build(school=school, year_group=8)) == Audience.PUPIL_KS3
    assert audience_for(PupilFactory.build(school=school, year_group=12)) == Audience.PUPIL_KS4
    supply = PersonFactory.build(school=school, person_type=PersonType.SUPPLY_STAFF)
    assert audience_for(supply) == Audience.SUPPLY


def test_signatures_expire_on_the_renewal_date(school):
    person = PersonFactory.create(school=school)
    with time_machine.travel(_at(2026, 3, 10), tick=False):
        sign_current(person)
        assert access_refusal(person) is None
    with time_machine.travel(_at(2026, 8, 31, 20), tick=False):
        assert access_refusal(person) is None
    with time_machine.travel(_at(2026, 9, 2), tick=False):
        refusal = access_refusal(person)
        assert refusal is not None
        assert "expired on the renewal date, 1 September 2026" in refusal


def test_a_re_sign_version_makes_every_staff_signature_due_and_past_grace_after_grace(school):
    staff = [PersonFactory.create(school=school, email=f"s{n}@example.org") for n in range(3)]
    with time_machine.travel(_at(2026, 9, 10), tick=False):
        for person in staff:
            sign_current(person)
        assert people_past_grace(school) == []
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        _new_version(school, Audience.STAFF, requires_resign=True)
        for person in staff:
            standing = standing_of(person)
            assert standing.state == State.DUE
            assert "requires everyone to sign again" in (standing.reason or "")
        assert people_past_grace(school) == []
    with time_machine.travel(_at(2026, 10, 10), tick=False):
        sign_current(staff[0])
    with time_machine.travel(_at(2026, 10, 16), tick=False):
        past = people_past_grace(school)
        assert {p.pk for p, _ in past} == {staff[1].pk, staff[2].pk}
        assert all("Staff acceptable-use agreement 2027 not signed" in why for _, why in past)
        assert all("grace period ended 15/10/2026" in why for _, why in past)


def test_a_version_that_does_not_require_re_signing_keeps_signatures_current(school):
    person = PersonFactory.create(school=school)
    with time_machine.travel(_at(2026, 9, 10), tick=False):
        sign_current(person)
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        _new_version(school, Audience.STAFF, requires_resign=False)
        assert access_refusal(person) is None


def test_people_who_have_left_are_not_on_the_past_grace_list(school):
    with time_machine.travel(_at(2026, 9, 10), tick=False):
        published_version(school, Audience.STAFF)
        PersonFactory.create(
            school=school,
            joining_date=dt.date(2020, 1, 1),
            leaving_date=dt.date(2026, 9, 1),
        )
    with time_machine.travel(_at(2026, 12, 1), tick=False):
        assert people_past_grace(school) == []


def test_past_grace_counts_a_missing_counter_signature(school):
    with time_machine.travel(_at(2026, 9, 10), tick=False):
        pupil = PupilFactory.create(school=school, joining_date=dt.date(2025, 9, 1))
        sign_current(pupil, countersign=False)
    with time_machine.travel(_at(2026, 12, 1), tick=False):
        past = people_past_grace(school)
        assert [p.pk for p, _ in past] == [pupil.pk]
        assert "counter-signature" in past[0][1]


def test_a_draft_agreement_cannot_be_signed(school):
    from warden.core.errors import ServiceError

    agreement = services.agreement_create(actor=None, school=school, audience=Audience.STAFF)
    draft = agreement.versions.get(status=VersionStatus.DRAFT)
    with pytest.raises(ServiceError, match="draft"):
        services.signature_record(
            actor=None,
            person=PersonFactory.create(school=school),
            version=draft,
            typed_name="Someone Here",
            confirmed=True,
            method=Method.DESK,
        )


def test_standings_take_a_fixed_number_of_queries(school, django_assert_max_num_queries):
    people = [PersonFactory.create(school=school) for _ in range(5)]
    people += [PupilFactory.create(school=school) for _ in range(5)]
    for person in people[:6]:
        sign_current(person)
    from warden.agreements.rules import standings

    with django_assert_max_num_queries(7):
        found = standings(school, people, at=timezone.now())
    assert sum(s.is_current for s in found.values()) == 6
