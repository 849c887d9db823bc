"""A lost unencrypted laptop opens a personal-data breach with the ICO's 72-hour clock; the
job alerts the SIRO and the DPO at 24 and 48 hours and once the deadline passes, once each
(UK GDPR Art. 33; policy duty "Information risk incidents logged and handled at once"). An
incident of kind "data breach" opens one too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.equipment.models import BreachStatus, PossibleBreach
from warden.equipment.tests.factories import AssetFactory
from warden.incidents.models import IncidentKind
from warden.incidents.services.incidents import incident_report
from warden.privacy.models import Breach, BreachSource
from warden.privacy.selectors import breach_clock
from warden.privacy.services import breaches
from warden.privacy.tasks import send_breach_alerts

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def _lose_laptop(client):
    laptop = AssetFactory.create(
        school=client.school, asset_tag="LAP-0042", holds_personal_data=True, encrypted=False
    )
    return client.post(
        reverse("equipment:loss_create", kwargs={"asset_pk": laptop.pk}),
        {
            "kind": "stolen",
            "circumstances": "Taken from a car outside a teacher's home overnight.",
            "happened_at": "2026-11-29T22:00",
            "police_reference": "",
        },
    )


def _alerts():
    return [m for m in mail.outbox if "data breach DB-" in m.subject]


@pytest.fixture
def technician_client(school, technician, client_for):
    client = client_for(technician)
    client.school = school
    return client


def test_a_stolen_unencrypted_laptop_opens_a_breach_whose_clock_runs(
    school, technician_client, siro, dpo
):
    with time_machine.travel(START, tick=False):
        response = _lose_laptop(technician_client)
        assert response.status_code == 302
        breach = Breach.objects.get()
        possible = PossibleBreach.objects.get()
        assert breach.source == BreachSource.LOST_DEVICE
        assert breach.possible_breach == possible
        assert breach.loss_report == possible.loss_report
        assert breach.aware_at == START
        clock = breach_clock(breach)
        assert clock.running and clock.deadline == START + dt.timedelta(hours=72)
        assert clock.words == "72 h 00 min left to decide on the ICO"
        assert AuditEntry.objects.filter(action="breach.opened", object_id=str(breach.pk)).exists()


def test_deciding_the_breach_acknowledges_the_equipment_flag(school, technician_client, siro):
    _lose_laptop(technician_client)
    breach = Breach.objects.get()
    breaches.breach_assess(
        actor=siro,
        breach=breach,
        data_description="Pupils' reports on the laptop's disk.",
        categories=["attainment"],
        people_affected=30,
        likelihood="likely",
        harm="significant",
        containment="not_contained",
    )
    breaches.breach_decide(
        actor=siro,
        breach=breach,
        decision="report",
        reasons="Unencrypted reports of 30 pupils are in unknown hands.",
        ico_reference="IC-0001",
        ico_reported_on=timezone.localdate(),
    )
    assert PossibleBreach.objects.get().status == BreachStatus.ACKNOWLEDGED


def test_the_job_alerts_the_siro_and_the_dpo_at_24_and_48_hours_once_each(
    school, technician_client, siro, dpo, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        _lose_laptop(technician_client)
    mail.outbox.clear()
    for hours, expected in [(23, 0), (24, 1), (30, 1), (48, 2), (60, 2)]:
        with (
            time_machine.travel(START + dt.timedelta(hours=hours), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            send_breach_alerts.call()
        assert len(_alerts()) == expected, f"after {hours} hours"
    first, second = _alerts()
    assert set(first.to) == {"siro@example.org", "dpo@example.org"}
    assert "24 hours of the ICO's 72" in first.body and "Schools DPO Service" in first.body
    assert "48 hours" in second.body
    breach = Breach.objects.get()
    assert breach.alerted_24_at == START + dt.timedelta(hours=24)
    assert breach.alerted_48_at == START + dt.timedelta(hours=48)
    assert AuditEntry.objects.filter(action="breach.alerted").count() == 2


def test_the_deadline_passing_undecided_alerts_once_and_a_decision_stops_the_alerts(
    school, technician_client, siro, dpo, django_capture_on_commit_callbacks
):
    with time_machine.travel(START, tick=False):
        _lose_laptop(technician_client)
    for hours in (73, 80):
        with (
            time_machine.travel(START + dt.timedelta(hours=hours), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            send_breach_alerts.call()
    overdue = [m for m in _alerts() if "passed" in m.subject]
    assert len(overdue) == 1 and "72 hours have passed" in overdue[0].body
    # The job that first ran past the deadline counts the 24 and 48 hour alerts as sent.
    assert len(_alerts()) == 1


def test_an_incident_of_kind_data_breach_opens_a_breach(school, dsl, siro):
    incident = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.DATA_BREACH,
        title="Class list e-mailed to the wrong parent",
        description="A class list with dates of birth was sent to one parent by mistake.",
        notify=False,
    )
    breach = Breach.objects.get()
    assert breach.incident == incident and breach.source == BreachSource.INCIDENT
    assert breach.aware_at == incident.reported_at
    assert breach_clock(breach, timezone.now()).running


def test_an_incident_of_another_kind_opens_no_breach(school, dsl):
    incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Games in lesson",
        description="Played games during a lesson.",
        notify=False,
    )
    assert not Breach.objects.exists()
