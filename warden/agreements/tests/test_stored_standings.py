"""Stored standings: every change a service makes, and time passing, leave them equal to the
rule itself (``rules.standings``); the pages that read them make a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.agreements import services
from warden.agreements.models import Agreement, Audience, Method, Signature, StoredStanding
from warden.agreements.rules import standings
from warden.agreements.selectors import (
    past_grace_standings,
    people_in_scope,
    people_past_grace,
    school_summary,
    schools_summary,
    stored_standings,
)
from warden.agreements.tasks import refresh_standings
from warden.agreements.testing import countersign_at_desk, published_version, sign_current
from warden.cli import main as warden
from warden.core.models import School
from warden.people import services as people_services
from warden.people.models import Person, PersonType
from warden.people.signals import people_changed
from warden.people.tests.import_files import SIMS_HEADER, sims_pupils, write_csv
from warden.people.tests.test_import_service import run as run_import
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

SEPT = dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)


def _at(days: int) -> dt.datetime:
    return SEPT + dt.timedelta(days=days)


def _live(school: School, at: dt.datetime) -> dict[int, tuple[Any, ...]]:
    people = people_in_scope(school, today=dt.date(at.year, at.month, at.day))
    return {
        pk: (
            s.filter_key,
            s.state,
            s.reason or "",
            s.due_since,
            s.grace_ends,
            s.signature.pk if s.signature else None,
            s.agreement.pk if s.agreement else None,
        )
        for pk, s in standings(school, people, at=at).items()
    }


def _stored(school: School, at: dt.datetime) -> dict[int, tuple[Any, ...]]:
    annotated = ("status", "now_state", "now_reason", "now_due_since", "now_grace_ends")
    return {
        row.person_id: (
            *(getattr(row, name) for name in annotated),
            row.shown_signature.pk if row.shown_signature else None,
            row.agreement_id,
        )
        for row in stored_standings(school, at=at).select_related("signature")
    }


def assert_stored_is_live(school: School, at: dt.datetime | None = None) -> None:
    """What the pages read equals what the rule says, for everyone at the school."""
    at = at or dt.datetime.now(dt.UTC)
    assert _stored(school, at) == _live(school, at)


def _person(school: School, **fields: Any) -> Person:
    base = {"person_type": PersonType.TEACHING_STAFF, "first_name": "A", "last_name": "Member"}
    return people_services.person_create(actor=None, school=school, fields={**base, **fields})


def _status(person: Person) -> str:
    row = stored_standings(person.school).get(person=person)
    return str(getattr(row, "status", None))  # an annotation, as pages read it


# --- each kind of change ------------------------------------------------------------------


def test_a_desk_signature_and_a_signing_link_make_the_stored_standing_current(school):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        at_desk = _person(school, last_name="Desk")
        by_link = _person(school, last_name="Link", email="staff@example.org")
        assert _status(at_desk) == _status(by_link) == "due"
        sign_current(at_desk)
        version = services.latest_published(Agreement.objects.get(audience=Audience.STAFF))
        assert version is not None
        _, token = services.signing_link_create(actor=None, person=by_link, version=version)
        services.signing_link_use(
            token=token, typed_name="A Link", confirmed=True, ip=None, user_agent=""
        )
        assert _status(at_desk) == _status(by_link) == "current"
        assert_stored_is_live(school, SEPT)


def test_a_parents_counter_signature_makes_the_pupil_current(school):
    with time_machine.travel(SEPT, tick=False):
        pupil = _person(school, person_type=PersonType.PUPIL, year_group=8, last_name="Pupil")
        parent = _person(school, person_type=PersonType.PARENT, last_name="Parent")
        people_services.guardian_link(actor=None, pupil=pupil, parent=parent, relationship="carer")
        signature = sign_current(pupil, countersign=False)
        assert _status(pupil) == "countersign"
        assert_stored_is_live(school, SEPT)
        countersign_at_desk(signature, parent)
        assert _status(pupil) == "current"
        assert_stored_is_live(school, SEPT)


def test_publishing_a_version_that_requires_resigning_makes_everyone_due(school):
    with time_machine.travel(SEPT, tick=False):
        staff = [_person(school, last_name=f"Staff{n}") for n in range(3)]
        for person in staff:
            sign_current(person)
        agreement = Agreement.objects.get(school=school, audience=Audience.STAFF)
        draft = services.version_create(
            actor=None, agreement=agreement, label="2026b", text="New terms to read. " * 5
        )
        assert {_status(p) for p in staff} == {"current"}
        services.version_publish(actor=None, version=draft, requires_resign=True)
        assert {_status(p) for p in staff} == {"due"}
        assert_stored_is_live(school, SEPT)


def test_changing_the_grace_period_or_renewal_date_moves_the_stored_dates(school):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        person = _person(school)
        services.agreement_settings_update(actor=None, school=school, fields={"grace_days": 3})
        assert_stored_is_live(school, _at(4))
        assert _status(person) == "due"
        assert people_past_grace(school, at=_at(4))[0][0] == person
        services.agreement_settings_update(
            actor=None, school=school, fields={"renewal_month": 10, "renewal_day": 1}
        )
        assert_stored_is_live(school, _at(4))
        assert_stored_is_live(school, _at(30))


def test_a_new_agreement_counts_its_audience_before_anything_is_published(school):
    _person(school)
    assert school_summary(school) == {}
    services.agreement_create(actor=None, school=school, audience=Audience.STAFF)
    assert school_summary(school) == {"Staff acceptable-use agreement": {"unavailable": 1}}
    assert_stored_is_live(school)


def test_people_added_changed_and_leaving_in_the_register_are_refreshed(school):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.PUPIL_KS2)
        published_version(school, Audience.PUPIL_KS3)
        pupil = _person(school, person_type=PersonType.PUPIL, year_group=6)
        row = StoredStanding.objects.get(person=pupil)
        assert row.audience == Audience.PUPIL_KS2
        people_services.person_update(actor=None, person=pupil, fields={"year_group": 7})
        assert StoredStanding.objects.get(person=pupil).audience == Audience.PUPIL_KS3
        people_services.person_update(
            actor=None, person=pupil, fields={"joining_date": dt.date(2026, 10, 1)}
        )
        assert_stored_is_live(school, SEPT)
        people_services.person_update(
            actor=None,
            person=pupil,
            fields={"joining_date": dt.date(2025, 9, 1), "leaving_date": dt.date(2026, 9, 1)},
        )
        assert not StoredStanding.objects.filter(person=pupil).exists()
        assert_stored_is_live(school, SEPT)


def test_someone_whose_leaving_date_passes_drops_out_without_a_refresh(school):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        person = _person(school, leaving_date=dt.date(2026, 9, 12))
        assert _status(person) == "due"
    assert_stored_is_live(school, _at(3))
    assert not stored_standings(school, at=_at(3)).filter(person=person).exists()


def test_linking_and_unlinking_a_parent_refreshes_the_pupil(school):
    with time_machine.travel(SEPT, tick=False):
        pupil = _person(school, person_type=PersonType.PUPIL, year_group=8)
        sign_current(pupil, countersign=False)
        assert "no parent or carer" in StoredStanding.objects.get(person=pupil).reason
        parent = _person(school, person_type=PersonType.PARENT)
        link = people_services.guardian_link(
            actor=None, pupil=pupil, parent=parent, relationship="mother"
        )
        assert "no parent or carer" not in StoredStanding.objects.get(person=pupil).reason
        assert_stored_is_live(school, SEPT)
        signature = Signature.objects.get(person=pupil)
        countersign_at_desk(signature, parent)
        assert _status(pupil) == "current"
        people_services.guardian_unlink(actor=None, link=link)
        assert _status(pupil) == "countersign"
        assert_stored_is_live(school, SEPT)


def test_an_mis_import_refreshes_everyone_it_changed_with_one_signal(school, tmp_path):
    published_version(school, Audience.PUPIL_KS3)
    sent: list[list[int]] = []

    def listen(sender: Any, *, person_ids: list[int], **kwargs: Any) -> None:
        sent.append(person_ids)

    people_changed.connect(listen, dispatch_uid="test.import")
    try:
        run_import(school, write_csv(tmp_path / "pupils.csv", SIMS_HEADER, sims_pupils(12)))
    finally:
        people_changed.disconnect(dispatch_uid="test.import")
    assert len(sent) == 1 and len(sent[0]) == 12
    assert school_summary(school) == {"KS3 pupils' acceptable-use agreement": {"due": 12}}
    assert_stored_is_live(school)


def test_installing_every_starter_agreement_refreshes_once_at_the_end(school):
    for n in range(3):
        _person(school, last_name=f"Staff{n}")
    with CaptureQueriesContext(connection) as queries:
        services.starter_agreements_install(actor=None, school=school, publish=True)
    # Each refresh reads the stored rows once: one refresh, not two per agreement.
    reads = [q for q in queries if q["sql"].startswith('SELECT "agreements_storedstanding"')]
    assert len(reads) == 1
    assert {_status(row.person) for row in stored_standings(school)} == {"due"}
    assert_stored_is_live(school)


# --- time passing, without a refresh ------------------------------------------------------


def test_grace_ending_and_the_renewal_date_need_no_refresh(school):
    """Signed in September; the grace period ends for whoever did not; on the renewal date
    (1 September) every signature expires and a new grace period starts."""
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        published_version(school, Audience.PUPIL_KS3)
        signed = _person(school, last_name="Signed")
        sign_current(signed)
        unsigned = _person(school, last_name="Unsigned")
        pupil = PupilFactory.create(school=school, year_group=8)
        services.standings_refresh(school=school, people=[pupil])
        sign_current(pupil, countersign=False)
    moments = [SEPT, _at(13), _at(14), _at(30)]
    renewal = dt.datetime(2027, 9, 1, tzinfo=dt.UTC)
    moments += [renewal - dt.timedelta(hours=2), renewal, renewal + dt.timedelta(days=15)]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            assert_stored_is_live(school, moment)
    with time_machine.travel(_at(30), tick=False):
        assert [p for p, _ in people_past_grace(school)] == sorted(
            [unsigned, pupil], key=lambda p: (p.last_name, p.first_name)
        )
    with time_machine.travel(renewal + dt.timedelta(days=15), tick=False):
        assert {p for p, _ in people_past_grace(school)} == {signed, unsigned, pupil}
        reasons = dict(people_past_grace(school))
        assert "expired on the renewal date" in reasons[signed]
        assert "grace period ended 15/09/2027" in reasons[signed]


def test_the_daily_job_and_the_command_repair_what_bypassed_the_services(school, capsys):
    with time_machine.travel(SEPT, tick=False):
        version = published_version(school, Audience.STAFF)
        person = _person(school)
        # Written straight to the table, as the demo does: the stored row has not seen it.
        Signature.objects.create(
            school=school,
            person=person,
            version=version,
            agreement=version.agreement,
            text_sha256=version.sha256,
            typed_name=person.full_name,
            signed_at=SEPT,
            method=Method.DESK,
        )
        assert _status(person) == "due"
        warden(["agreements", "refresh", "--school", school.slug])
        assert "1 stored standing(s) changed" in capsys.readouterr().out
        assert _status(person) == "current"
        StoredStanding.objects.filter(person=person).delete()
        assert refresh_standings.enqueue().return_value == 1
        assert refresh_standings.enqueue().return_value == 0
        assert_stored_is_live(school, SEPT)


# --- reads of the stored rows -------------------------------------------------------------


def _staff(school: School, count: int) -> None:
    for _ in range(count):
        services.standings_refresh(school=school, people=[PersonFactory.create(school=school)])


def test_the_dashboard_summary_makes_the_same_queries_for_10_or_60_people(school, other_school):
    published_version(school, Audience.STAFF)
    _staff(school, 10)
    with CaptureQueriesContext(connection) as few:
        summary = school_summary(school)
    assert summary == {"Staff acceptable-use agreement": {"due": 10}}
    _staff(school, 50)
    published_version(other_school, Audience.STAFF)
    _staff(other_school, 5)
    with CaptureQueriesContext(connection) as many:
        assert school_summary(school) == {"Staff acceptable-use agreement": {"due": 60}}
    assert len(many) == len(few) == 1
    with CaptureQueriesContext(connection) as both:
        found = schools_summary([school, other_school])
    assert len(both) == 1
    assert found[other_school.pk] == {"Staff acceptable-use agreement": {"due": 5}}


def test_the_signer_list_makes_the_same_queries_for_10_or_60_people(school, office, client_for):
    agreement = Agreement.objects.get(pk=published_version(school, Audience.STAFF).agreement_id)
    _staff(school, 8)
    for _ in range(2):
        sign_current(PersonFactory.create(school=school))
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    client = client_for(office)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert b"10 people" in client.get(url).content
    _staff(school, 45)
    for _ in range(5):
        sign_current(PersonFactory.create(school=school))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, {"sort": "-signed"})
    assert b"60 people" in page.content and b"Page 1 of 2" in page.content
    assert len(many) == len(few)


def test_the_signer_list_pages_searches_and_filters_by_status(school, office, client_for):
    agreement = Agreement.objects.get(pk=published_version(school, Audience.STAFF).agreement_id)
    for n in range(52):
        person = PersonFactory.create(school=school, last_name=f"Surname{n:02d}", mis_id=f"S{n}")
        services.standings_refresh(school=school, people=[person])
    sign_current(Person.objects.get(last_name="Surname07"))
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    client = client_for(office)
    second = client.get(url, {"page": 2}).content.decode()
    assert "Page 2 of 2" in second and "Surname51" in second and "Surname00" not in second
    found = client.get(url, {"q": "surname07"}).content.decode()
    assert "1 person" in found and "Surname07" in found and "Current" in found
    assert "Surname07" in client.get(url, {"q": "S7"}).content.decode()
    due = client.get(url, {"status": "due", "sort": "-name"}).content.decode()
    assert "51 people" in due and due.index("Surname51") < due.index("Surname50")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=20), tick=False):
        late = client_for(office).get(url, {"status": "past_grace"}).content.decode()
    assert "51 people" in late and "Past grace period" in late and "Surname07" not in late
    signed_first = client.get(url, {"sort": "signed"}).content.decode()
    assert signed_first.index("Surname07") < signed_first.index("Surname00")


def test_the_signer_list_works_for_the_roles_that_read_it(
    school, office, teacher, governor, client_for
):
    agreement = Agreement.objects.get(pk=published_version(school, Audience.STAFF).agreement_id)
    _staff(school, 2)
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    as_office = client_for(office).get(url).content.decode()
    assert "2 people" in as_office and "E-mail signing links" in as_office
    as_teacher = client_for(teacher).get(url).content.decode()
    assert "2 people" in as_teacher and "E-mail signing links" not in as_teacher
    assert client_for(governor).get(url).status_code == 403


def test_past_grace_people_page_and_search_for_the_suspension_list(school):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        for name in ("Able", "Baker", "Carter"):
            _person(school, last_name=name)
        sign_current(Person.objects.get(last_name="Baker"))
    with time_machine.travel(_at(20), tick=False):
        with CaptureQueriesContext(connection) as queries:
            rows = list(past_grace_standings(school))
        assert len(queries) == 1
        assert [r.person.last_name for r in rows] == ["Able", "Carter"]
        assert rows[0].past_grace_reason == (
            "Staff acceptable-use agreement 2026 not signed; grace period ended 24/09/2026"
        )
        assert [r.person.last_name for r in past_grace_standings(school, q="cart")] == ["Carter"]
        assert people_past_grace(school) == [(r.person, r.past_grace_reason) for r in rows]


def test_a_stored_row_of_a_person_at_a_school_is_kept_to_that_school(school, other_school):
    published_version(other_school, Audience.STAFF)
    elsewhere = _person(other_school)
    assert services.standings_refresh(school=school, people=[elsewhere]) == 0
    assert StoredStanding.objects.get(person=elsewhere).school == other_school
    assert not stored_standings(school).exists()


def test_people_who_have_left_are_not_stored(school):
    published_version(school, Audience.STAFF)
    person = PersonFactory.create(
        school=school, joining_date=dt.date(2019, 9, 1), leaving_date=dt.date(2020, 7, 20)
    )
    assert services.standings_refresh(school=school, people=[person]) == 0
    assert not StoredStanding.objects.exists()


def test_a_schools_first_refresh_writes_everyone_and_takes_over_a_row_kept_elsewhere(
    school, other_school
):
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
        staff = [_person(school, last_name=f"Member{n}") for n in range(3)]
        StoredStanding.objects.filter(school=school).delete()
        # A row kept for one of them under another school: the first refresh must not
        # fail on it, and ends with it at this school.
        services.standings_refresh(school=school)
        StoredStanding.objects.filter(person=staff[0]).update(school=other_school)
        StoredStanding.objects.filter(school=school).delete()
        assert services.standings_refresh(school=school) == 3
        assert set(StoredStanding.objects.values_list("person_id", "school_id")) == {
            (p.pk, school.pk) for p in staff
        }
        assert_stored_is_live(school, SEPT)
