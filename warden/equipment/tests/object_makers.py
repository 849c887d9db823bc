"""School-B objects for the cross-school test: one maker per URL keyword of this area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.equipment.models import (
    Asset,
    AssetType,
    AuditPlan,
    ClassSet,
    ClassSetLoan,
    DeviceRequest,
    DisposalBatch,
    DisposalCompany,
    EquipmentImportRun,
    GuestWifiSession,
    InstallRequest,
    Loan,
    Location,
    LossReport,
    PhoneHandIn,
    PhoneRequest,
    PossibleBreach,
    SoftwareProduct,
    Stocktake,
)
from warden.testing.factories import PersonFactory, PupilFactory

MARKER = "Zebedee-Bschool"


def _asset(b: School) -> Asset:
    count = Asset.objects.filter(school=b).count()
    return Asset.objects.create(
        school=b,
        asset_tag=f"{MARKER}-{count}",
        asset_type=AssetType.LAPTOP,
        make=MARKER,
        serial=f"{MARKER}-SN{count}",
    )


def _person(b: School) -> Any:
    return PersonFactory.create(school=b, first_name=MARKER, last_name="Marker")


def _location(b: School) -> Location:
    count = Location.objects.filter(school=b).count()
    return Location.objects.create(school=b, name=f"{MARKER} room {count}")


def _loan(b: School) -> Any:
    return Loan.objects.create(
        school=b,
        asset=_asset(b),
        person=_person(b),
        checked_out_at=timezone.now(),
        due_on=timezone.localdate() + dt.timedelta(days=7),
        purpose=MARKER,
    ).pk


def _class_set(b: School) -> ClassSet:
    count = ClassSet.objects.filter(school=b).count()
    return ClassSet.objects.create(school=b, name=f"{MARKER} set {count}")


def _set_loan(b: School) -> Any:
    return ClassSetLoan.objects.create(
        school=b,
        class_set=_class_set(b),
        person=_person(b),
        group=MARKER[:40],
        due_on=timezone.localdate(),
        checked_out_at=timezone.now(),
    ).pk


def _stocktake(b: School) -> Any:
    return Stocktake.objects.create(school=b, location=_location(b), started_at=timezone.now()).pk


def _loss(b: School) -> LossReport:
    now = timezone.now()
    return LossReport.objects.create(
        school=b,
        asset=_asset(b),
        kind="lost",
        happened_at=now,
        reported_at=now,
        circumstances=MARKER,
        held_personal_data=True,
        was_encrypted=False,
    )


def _breach(b: School) -> Any:
    report = _loss(b)
    return PossibleBreach.objects.create(
        school=b, loss_report=report, raised_at=report.reported_at, reason=MARKER
    ).pk


def _company(b: School) -> DisposalCompany:
    count = DisposalCompany.objects.filter(school=b).count()
    return DisposalCompany.objects.create(school=b, name=f"{MARKER} {count}", approved=True)


def _batch(b: School) -> Any:
    count = DisposalBatch.objects.filter(school=b).count()
    return DisposalBatch.objects.create(
        school=b, company=_company(b), reference=f"{MARKER}-{count}"
    ).pk


def _product(b: School) -> Any:
    count = SoftwareProduct.objects.filter(school=b).count()
    return SoftwareProduct.objects.create(school=b, name=f"{MARKER} {count}", seats=1).pk


def _install_request(b: School) -> Any:
    return InstallRequest.objects.create(
        school=b, software_name=MARKER, reason=MARKER, requested_at=timezone.now()
    ).pk


def _device_request(b: School) -> Any:
    return DeviceRequest.objects.create(
        school=b, person=_person(b), device=MARKER, reason=MARKER, requested_at=timezone.now()
    ).pk


def _phone_request(b: School) -> Any:
    pupil = PupilFactory.create(school=b, first_name=MARKER)
    parent = PersonFactory.create(school=b, person_type="parent", first_name=MARKER)
    return PhoneRequest.objects.create(
        school=b,
        pupil=pupil,
        parent=parent,
        reason=MARKER,
        received_on=timezone.localdate(),
        recorded_at=timezone.now(),
    ).pk


def _hand_in(b: School) -> Any:
    request = PhoneRequest.objects.get(pk=_phone_request(b))
    return PhoneHandIn.objects.create(
        school=b, request=request, day=timezone.localdate(), handed_in_at=timezone.now()
    ).pk


def _wifi(b: School) -> Any:
    return GuestWifiSession.objects.create(
        school=b,
        visitor_name=MARKER,
        purpose=MARKER,
        supervisor=_person(b),
        started_at=timezone.now(),
    ).pk


def _import_run(b: School) -> Any:
    return EquipmentImportRun.objects.create(
        school=b, kind="assets", filename=f"{MARKER}.csv", sha256="0" * 64, outcome="applied"
    ).pk


def _plan(b: School) -> Any:
    return AuditPlan.objects.create(
        school=b, location=_location(b), next_due=timezone.localdate()
    ).pk


OBJECT_MAKERS = [
    ("asset_pk", lambda b: _asset(b).pk),
    ("loan_pk", _loan),
    ("location_pk", lambda b: _location(b).pk),
    ("class_set_pk", lambda b: _class_set(b).pk),
    ("set_loan_pk", _set_loan),
    ("stocktake_pk", _stocktake),
    ("loss_pk", lambda b: _loss(b).pk),
    ("breach_pk", _breach),
    ("company_pk", lambda b: _company(b).pk),
    ("disposal_pk", _batch),
    ("product_pk", _product),
    ("install_request_pk", _install_request),
    ("device_request_pk", _device_request),
    ("phone_request_pk", _phone_request),
    ("hand_in_pk", _hand_in),
    ("wifi_pk", _wifi),
    ("import_pk", _import_run),
    ("plan_pk", _plan),
]
PUBLIC_PATTERNS = ["equipment:accept_public"]
