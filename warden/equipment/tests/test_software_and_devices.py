"""Software licences and requests; personal devices, pupils' phones and guest Wi-Fi."""

from __future__ import annotations

import pytest
from django.utils import timezone

from warden.agreements.testing import sign_current
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.equipment.selectors import reconciliation
from warden.equipment.services.devices import (
    device_request_create,
    device_request_decide,
    device_request_set_up,
    phone_collect,
    phone_hand_in,
    phone_request_decide,
    phone_request_record,
    wifi_session_end,
    wifi_session_start,
)
from warden.equipment.services.software import (
    install_request_complete,
    install_request_create,
    install_request_decide,
    installation_record,
)
from warden.equipment.tests.factories import AssetFactory, ProductFactory
from warden.people.models import Guardianship, PersonType
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def test_reconciliation_shows_over_allocation_and_unused_seats(school, technician):
    tight = ProductFactory.create(school=school, name="Tight", seats=1)
    roomy = ProductFactory.create(school=school, name="Roomy", seats=5)
    site = ProductFactory.create(school=school, name="Site", seats=0, licence_model="site")
    for _ in range(2):
        asset = AssetFactory.create(school=school)
        for product in (tight, roomy, site):
            installation_record(actor=technician, product=product, asset=asset)
    rows = {row.product.name: row for row in reconciliation(school)}
    assert (rows["Tight"].over, rows["Tight"].unused) == (1, 0)
    assert (rows["Roomy"].over, rows["Roomy"].unused) == (0, 3)
    assert (rows["Site"].over, rows["Site"].unused) == (0, 0)


def test_installation_requests_wait_for_the_ict_manager(school, teacher, ict_manager, technician):
    laptop = AssetFactory.create(school=school)
    product = ProductFactory.create(school=school, name="Scratch")
    request = install_request_create(
        actor=teacher, school=school, software_name="Scratch", reason="Year 4 coding unit"
    )
    with pytest.raises(ServiceError, match="Only an approved request"):
        install_request_complete(actor=technician, request=request, product=product, asset=laptop)
    with pytest.raises(ServiceError, match="Say why"):
        install_request_decide(actor=ict_manager, request=request, approve=False)
    install_request_decide(actor=ict_manager, request=request, approve=True)
    install_request_complete(actor=technician, request=request, product=product, asset=laptop)
    request.refresh_from_db()
    assert request.state == "done" and request.installation is not None
    assert AuditEntry.objects.filter(action="install_request.approved").exists()


def test_a_personal_device_is_approved_then_set_up_with_mac_and_serial(
    school, teacher, headteacher, technician
):
    staff = PersonFactory.create(school=school)
    request = device_request_create(
        actor=teacher, person=staff, device="Personal laptop", reason="Planning in PPA time"
    )
    with pytest.raises(ServiceError, match="SLT have approved"):
        device_request_set_up(
            actor=technician, request=request, mac_address="3C:22:FB:01:A2:9E", serial="X1"
        )
    device_request_decide(actor=headteacher, request=request, approve=True)
    with pytest.raises(ServiceError, match="MAC address"):
        device_request_set_up(
            actor=technician, request=request, mac_address="nonsense", serial="X1"
        )
    device_request_set_up(
        actor=technician, request=request, mac_address="3c-22-fb-01-a2-9e", serial="C02XK1"
    )
    request.refresh_from_db()
    assert request.state == "connected" and request.mac_address == "3C:22:FB:01:A2:9E"


def test_a_pupil_phone_request_comes_from_a_parent_with_responsibility(school, office, headteacher):
    pupil = PupilFactory.create(school=school)
    parent = PersonFactory.create(school=school, person_type=PersonType.PARENT)
    neighbour = PersonFactory.create(school=school, person_type=PersonType.PARENT)
    Guardianship.objects.create(school=school, pupil=pupil, parent=parent, relationship="mother")
    with pytest.raises(ServiceError, match="parental responsibility"):
        phone_request_record(
            actor=office,
            pupil=pupil,
            parent=neighbour,
            reason="Walks home alone",
            received_on=timezone.localdate(),
        )
    request = phone_request_record(
        actor=office,
        pupil=pupil,
        parent=parent,
        reason="Walks home alone on Tuesdays",
        received_on=timezone.localdate(),
    )
    phone_request_decide(actor=headteacher, request=request, approve=True)
    request.refresh_from_db()
    assert request.state == "approved"
    assert "kept at the office" in request.get_state_display()
    hand_in = phone_hand_in(actor=office, request=request)
    with pytest.raises(ServiceError, match="already handed in today"):
        phone_hand_in(actor=office, request=request)
    phone_collect(actor=office, hand_in=hand_in)
    hand_in.refresh_from_db()
    assert hand_in.collected_at is not None
    assert AuditEntry.objects.filter(action="phone.collected").exists()


def test_a_phone_without_an_approved_request_is_not_kept(school, office):
    pupil = PupilFactory.create(school=school)
    parent = PersonFactory.create(school=school, person_type=PersonType.PARENT)
    Guardianship.objects.create(school=school, pupil=pupil, parent=parent, relationship="father")
    request = phone_request_record(
        actor=office,
        pupil=pupil,
        parent=parent,
        reason="Young carer, needs to be reachable",
        received_on=timezone.localdate(),
    )
    with pytest.raises(ServiceError, match="no approved phone request"):
        phone_hand_in(actor=office, request=request)


def test_the_guest_wifi_log_records_visitor_purpose_supervisor_and_times(school, office):
    supervisor = PersonFactory.create(school=school)
    session = wifi_session_start(
        actor=office,
        school=school,
        visitor_name="Visiting speaker",
        organisation="Road safety charity",
        purpose="Assembly presentation",
        supervisor=supervisor,
    )
    wifi_session_end(actor=office, session=session)
    session.refresh_from_db()
    assert session.ended_at and session.ended_at >= session.started_at
    with pytest.raises(ServiceError, match="already ended"):
        wifi_session_end(actor=office, session=session)
    pupil = PupilFactory.create(school=school)
    with pytest.raises(ServiceError, match="member of staff"):
        wifi_session_start(
            actor=office, school=school, visitor_name="X", purpose="Y", supervisor=pupil
        )


def test_the_demo_loader_adds_once(school):
    from warden.equipment.demo import load

    for _ in range(3):
        sign_current(PersonFactory.create(school=school))  # staff borrow once signed
    first = load(school=school, today=timezone.localdate(), seed=1)
    assert first["assets"] == 45 and first["loans"] == 3
    entries = AuditEntry.objects.count()
    assert load(school=school, today=timezone.localdate(), seed=1) == {}
    assert AuditEntry.objects.count() == entries
