"""Lost or stolen equipment reported as an incident: the loss is recorded in the equipment
register with its possible-breach flag, and the SIRO who is told can record and work it
(policy duty "Lost or stolen equipment reported at once", docs/policy-map.md). Governors
report incidents too."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from warden.equipment.models import AssetState, BreachStatus, LossReport, PossibleBreach
from warden.equipment.tests.factories import AssetFactory
from warden.incidents.models import Incident, IncidentKind

pytestmark = pytest.mark.django_db

CIRCUMSTANCES = (
    "Left the laptop in a bag on the bus home after school; the bus company has no trace of it."
)


def _report(client, **fields):
    data = {
        "kind": IncidentKind.LOST_EQUIPMENT,
        "title": "Laptop left on the bus",
        "occurred_at": "2026-11-30T16:15",
        "description": CIRCUMSTANCES,
        "asset_tag": "",
        "loss_kind": "lost",
    } | fields
    return client.post(reverse("incidents:report"), data)


def test_a_teacher_reporting_a_lost_laptop_creates_the_loss_and_the_breach_flag(
    school, teacher, siro, dsl, client_for, django_capture_on_commit_callbacks
):
    laptop = AssetFactory.create(
        school=school, asset_tag="LAP-0042", holds_personal_data=True, encrypted=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _report(client_for(teacher), asset_tag="lap-0042")
    assert response.status_code == 302
    incident = Incident.objects.get()
    loss = LossReport.objects.get()
    assert incident.loss_report == loss
    assert loss.asset == laptop and loss.reported_by == teacher and loss.kind == "lost"
    laptop.refresh_from_db()
    assert laptop.state == AssetState.LOST
    flag = PossibleBreach.objects.get(loss_report=loss)
    assert flag.status == BreachStatus.OPEN
    # The SIRO hears of the incident and of the possible breach.
    assert any(
        "siro@example.org" in m.to and "Possible data breach" in m.subject for m in mail.outbox
    )


def test_a_lost_equipment_report_needs_a_known_asset_tag_and_saves_nothing_without_one(
    school, teacher, client_for
):
    client = client_for(teacher)
    missing = _report(client)
    assert missing.status_code == 200
    assert "Give the asset tag" in missing.content.decode()
    unknown = _report(client, asset_tag="NOPE-1")
    assert "No equipment at Oakfield Primary has the asset tag NOPE-1" in unknown.content.decode()
    assert not Incident.objects.exists() and not LossReport.objects.exists()


def test_the_siro_can_record_a_loss_acknowledge_its_flag_and_record_it_found(
    school, siro, client_for
):
    client = client_for(siro)
    tablet = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    page = client.get(reverse("equipment:asset_detail", kwargs={"asset_pk": tablet.pk}))
    assert "Report lost or stolen" in page.content.decode()
    create = reverse("equipment:loss_create", kwargs={"asset_pk": tablet.pk})
    assert client.get(create).status_code == 200
    response = client.post(
        create, {"kind": "stolen", "circumstances": CIRCUMSTANCES, "police_reference": ""}
    )
    assert response.status_code == 302
    loss = LossReport.objects.get(asset=tablet)
    flag = PossibleBreach.objects.get(loss_report=loss)
    ack = client.post(
        reverse("equipment:breach_acknowledge", kwargs={"breach_pk": flag.pk}),
        {"note": "Assessed: the tablet held only timetables; not reportable to the ICO."},
    )
    assert ack.status_code == 302
    flag.refresh_from_db()
    assert flag.status == BreachStatus.ACKNOWLEDGED
    found = client.post(reverse("equipment:asset_found", kwargs={"asset_pk": tablet.pk}))
    assert found.status_code == 302
    tablet.refresh_from_db()
    assert tablet.state == AssetState.IN_STOCK


def test_a_governor_can_report_an_incident_without_seeing_anyones_record(
    school, governor, pupil, client_for
):
    client = client_for(governor)
    form = client.get(reverse("incidents:report"))
    assert form.status_code == 200
    assert pupil.last_name not in form.content.decode()
    response = client.post(
        reverse("incidents:report"),
        {
            "kind": IncidentKind.OFFENSIVE_MATERIAL,
            "title": "Unsuitable pop-up at a governors' meeting",
            "occurred_at": "2026-11-30T18:15",
            "description": "An advert with unsuitable images appeared on the hall screen.",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("incidents:my_reports")
    assert Incident.objects.get().reported_by == governor
