"""May this user see or change this equipment record? Views go through these helpers only.

Each returns the object, or raises 404 (another school's record does not exist for you) or
403 (your role lacks the right), through ``core.access.object_for_user``.
"""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.equipment.models import (
    Asset,
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


def asset_for_user(user: AnyUser, pk: int, *, perm: str = Perm.EQUIPMENT_VIEW) -> Asset:
    return object_for_user(
        Asset.objects.select_related("school__trust", "location", "class_set", "disposal_batch"),
        user,
        perm,
        pk=pk,
    )


def loan_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Loan:
    perm = Perm.LOANS_MANAGE if write else Perm.EQUIPMENT_VIEW
    return object_for_user(
        Loan.objects.select_related("school__trust", "asset", "person", "agreement_text"),
        user,
        perm,
        pk=pk,
    )


def location_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Location:
    perm = Perm.EQUIPMENT_MANAGE if write else Perm.EQUIPMENT_VIEW
    return object_for_user(Location.objects.select_related("school"), user, perm, pk=pk)


def audit_plan_for_user(user: AnyUser, pk: int) -> AuditPlan:
    return object_for_user(
        AuditPlan.objects.select_related("school", "location"), user, Perm.EQUIPMENT_MANAGE, pk=pk
    )


def class_set_for_user(user: AnyUser, pk: int, *, perm: str = Perm.EQUIPMENT_VIEW) -> ClassSet:
    return object_for_user(ClassSet.objects.select_related("school"), user, perm, pk=pk)


def set_loan_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ClassSetLoan:
    perm = Perm.LOANS_MANAGE if write else Perm.EQUIPMENT_VIEW
    return object_for_user(
        ClassSetLoan.objects.select_related("school", "class_set", "person"), user, perm, pk=pk
    )


def stocktake_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Stocktake:
    perm = Perm.EQUIPMENT_MANAGE if write else Perm.EQUIPMENT_VIEW
    return object_for_user(
        Stocktake.objects.select_related("school", "location"), user, perm, pk=pk
    )


def loss_for_user(user: AnyUser, pk: int) -> LossReport:
    return object_for_user(
        LossReport.objects.select_related("school", "asset", "holder", "reported_by"),
        user,
        Perm.EQUIPMENT_VIEW,
        pk=pk,
    )


def breach_for_user(user: AnyUser, pk: int) -> PossibleBreach:
    return object_for_user(
        PossibleBreach.objects.select_related("school", "loss_report__asset"),
        user,
        Perm.EQUIPMENT_VIEW,
        pk=pk,
    )


def company_for_user(user: AnyUser, pk: int) -> DisposalCompany:
    return object_for_user(
        DisposalCompany.objects.select_related("school"), user, Perm.DISPOSAL_MANAGE, pk=pk
    )


def disposal_for_user(user: AnyUser, pk: int) -> DisposalBatch:
    return object_for_user(
        DisposalBatch.objects.select_related("school", "company"),
        user,
        Perm.DISPOSAL_MANAGE,
        pk=pk,
    )


def product_for_user(user: AnyUser, pk: int, *, write: bool = False) -> SoftwareProduct:
    perm = Perm.SOFTWARE_MANAGE if write else Perm.EQUIPMENT_VIEW
    return object_for_user(SoftwareProduct.objects.select_related("school"), user, perm, pk=pk)


def install_request_for_user(user: AnyUser, pk: int, *, perm: str) -> InstallRequest:
    return object_for_user(
        InstallRequest.objects.select_related("school", "product", "asset", "requested_by"),
        user,
        perm,
        pk=pk,
    )


def device_request_for_user(user: AnyUser, pk: int, *, perm: str) -> DeviceRequest:
    return object_for_user(
        DeviceRequest.objects.select_related("school", "person", "requested_by"),
        user,
        perm,
        pk=pk,
    )


def phone_request_for_user(user: AnyUser, pk: int, *, perm: str) -> PhoneRequest:
    return object_for_user(
        PhoneRequest.objects.select_related("school", "pupil", "parent"), user, perm, pk=pk
    )


def phone_hand_in_for_user(user: AnyUser, pk: int) -> PhoneHandIn:
    return object_for_user(
        PhoneHandIn.objects.select_related("school", "request__pupil"),
        user,
        Perm.DEVICES_REQUEST,
        pk=pk,
    )


def wifi_session_for_user(user: AnyUser, pk: int) -> GuestWifiSession:
    return object_for_user(
        GuestWifiSession.objects.select_related("school", "supervisor"),
        user,
        Perm.DEVICES_REQUEST,
        pk=pk,
    )


def import_run_for_user(user: AnyUser, pk: int) -> EquipmentImportRun:
    return object_for_user(
        EquipmentImportRun.objects.select_related("school", "started_by"),
        user,
        Perm.EQUIPMENT_VIEW,
        pk=pk,
    )
