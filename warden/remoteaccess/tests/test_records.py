"""Remote-access logs in the school's records: removed after their retention period through
a retention run (legal holds honoured), and in a person's subject access bundle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.core.roles import Role
from warden.people.models import Person
from warden.records import retention_runs, services
from warden.records.bundle import sections_for
from warden.records.models import ReceivedVia
from warden.remoteaccess.models import AlertState, EventKind, RemoteAccessAlert, RemoteAccessEvent
from warden.testing.factories import PersonFactory, UserFactory, member

pytestmark = pytest.mark.django_db

DAYS_OLD = 400  # past the twelve months of the default rules


@pytest.fixture
def siro(school):
    user = UserFactory.create(username="siro", first_name="Sam", last_name="Siro")
    member(user, school, Role.SIRO)
    return user


def _event(school, n: int, days_ago: int, person: Person | None = None, **fields):
    values = {
        "school": school,
        "event_id": f"r{n}",
        "ts": timezone.now() - dt.timedelta(days=days_ago),
        "kind": EventKind.FAILED,
        "username": person.last_name.lower() if person else "nobody",
        "person": person,
        "remote_address": "198.51.100.7",
        "fmt": "openvpn",
    }
    return RemoteAccessEvent.objects.create(**{**values, **fields})


def _alert(school, days_ago: int, person: Person | None = None, **fields):
    end = timezone.now() - dt.timedelta(days=days_ago)
    values = {
        "school": school,
        "username": person.last_name.lower() if person else "nobody",
        "person": person,
        "window_start": end - dt.timedelta(minutes=4),
        "window_end": end,
        "failed_count": 11,
        "opened_at": end,
        "state": AlertState.ACKNOWLEDGED,
        "acknowledged_at": end,
    }
    return RemoteAccessAlert.objects.create(**{**values, **fields})


def _sar_for(school, siro, person):
    return services.sar_log(
        actor=siro,
        school=school,
        person=person,
        requester="Themselves",
        received_via=ReceivedVia.LETTER,
        received_on=timezone.localdate(),
    )


@pytest.fixture
def people(school) -> tuple[Person, Person]:
    return (
        PersonFactory.create(school=school, first_name="Lena", last_name="Gone"),
        PersonFactory.create(school=school, first_name="Omar", last_name="Asked"),
    )


def test_a_dry_run_lists_old_events_by_day_and_what_a_hold_keeps(school, siro, people):
    gone, held = people
    old = _event(school, 1, DAYS_OLD, gone)
    _event(school, 2, DAYS_OLD, None)
    _event(school, 3, DAYS_OLD, held)
    _event(school, 4, 10, gone)
    sar = _sar_for(school, siro, held)

    found = retention_runs.retention_due(school=school)["remoteaccess.events"]

    day = timezone.localtime(old.ts).date()
    assert [(item["key"], item["count"]) for item in found["due"]] == [(day.isoformat(), 2)]
    assert f"{day:%d/%m/%Y}" in found["due"][0]["description"]
    assert found["held"][0]["reason"] == f"open subject access request {sar.reference}"
    assert found["held"][0]["description"] == "1 remote-access event(s) of Omar Asked"


def test_approval_removes_old_events_and_acknowledged_alerts_but_keeps_the_rest(
    school, siro, people
):
    gone, held = people
    _event(school, 1, DAYS_OLD, gone)
    _event(school, 2, DAYS_OLD + 30, None)
    kept_held = _event(school, 3, DAYS_OLD, held)
    recent = _event(school, 4, 10, gone)
    _alert(school, DAYS_OLD, gone)
    still_open = _alert(school, DAYS_OLD, None, state=AlertState.OPEN, acknowledged_at=None)
    held_alert = _alert(school, DAYS_OLD, held)
    recent_alert = _alert(school, 10, gone)
    _sar_for(school, siro, held)

    run = retention_runs.retention_find(actor=siro, school=school)
    run = retention_runs.retention_approve(actor=siro, run=run)

    assert run.removed["remoteaccess.events"] == 2
    assert run.removed["remoteaccess.alerts"] == 1
    assert set(RemoteAccessEvent.objects.values_list("pk", flat=True)) == {kept_held.pk, recent.pk}
    assert set(RemoteAccessAlert.objects.values_list("pk", flat=True)) == {
        still_open.pk,
        held_alert.pk,
        recent_alert.pk,
    }


def test_a_hold_placed_after_the_dry_run_still_keeps_the_events(school, siro, people):
    gone, _ = people
    _event(school, 1, DAYS_OLD, gone)
    _alert(school, DAYS_OLD, gone)
    run = retention_runs.retention_find(actor=siro, school=school)
    _sar_for(school, siro, gone)
    run = retention_runs.retention_approve(actor=siro, run=run)
    assert RemoteAccessEvent.objects.filter(person=gone).count() == 1
    assert RemoteAccessAlert.objects.filter(person=gone).count() == 1


def test_the_school_shortens_the_period_on_the_retention_setting(school, siro):
    _event(school, 1, 100)
    assert retention_runs.retention_due(school=school)["remoteaccess.events"]["due"] == []
    retention_runs.retention_setting_update(
        actor=siro, school=school, record_type="remoteaccess.events", months=2
    )
    run = retention_runs.retention_find(actor=siro, school=school)
    run = retention_runs.retention_approve(actor=siro, run=run)
    assert run.removed["remoteaccess.events"] == 1
    assert not RemoteAccessEvent.objects.exists()


def test_another_schools_events_are_neither_listed_nor_removed(school, other_school, siro):
    theirs = _event(other_school, 1, DAYS_OLD)
    run = retention_runs.retention_find(actor=siro, school=school)
    assert run.found["remoteaccess.events"]["due"] == []
    retention_runs.retention_approve(actor=siro, run=run)
    assert RemoteAccessEvent.objects.filter(pk=theirs.pk).exists()


def test_the_bundle_lists_the_persons_own_events_only(school, people):
    subject, other = people
    _event(school, 1, 3, subject, kind=EventKind.CONNECTED, vpn_address="10.8.0.6")
    _event(school, 2, 2, subject, reason="bad password")
    _event(school, 3, 1, other)
    _event(school, 4, 1, None)

    section = next(s for s in sections_for(subject) if s.key == "remote_access")

    assert [row[1] for row in section.rows] == ["Connected", "Failed attempt"]
    assert section.rows[0][4] == "10.8.0.6"
    assert section.rows[1][9] == "bad password"
    assert all(row[2] == "gone" for row in section.rows)
    empty = next(s for s in sections_for(other) if s.key == "remote_access")
    assert len(empty.rows) == 1
