"""Assets and loans."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import AssetOut, LoanOut
from warden.core.roles import Perm
from warden.equipment.access import asset_for_user, loan_for_user
from warden.equipment.models import Asset, Loan
from warden.equipment.selectors import AssetFilter, asset_list, loans_list, open_loan_of

router = Router(tags=["Equipment"])


def asset_out(asset: Asset) -> dict[str, Any]:
    row = {name: getattr(asset, name, None) for name in AssetOut.model_fields}
    row.update(
        id=asset.pk,
        location=str(asset.location) if asset.location_id else "",
        on_loan=bool(getattr(asset, "has_open_loan", False)),
    )
    return row


def loan_out(loan: Loan) -> dict[str, Any]:
    row = {name: getattr(loan, name, None) for name in LoanOut.model_fields}
    row.update(id=loan.pk, asset_tag=loan.asset.asset_tag, person=str(loan.person))
    return row


class AssetQuery(Schema):
    q: str = ""
    asset_type: str = ""
    state: str = ""
    location: int | None = None


@router.get("/assets", response={200: list[AssetOut], **REFUSALS}, operation_id="assets_list")
@paginate(Paged)
def list_assets(request: HttpRequest, filters: Query[AssetQuery]) -> Shaped:
    """The equipment register, by asset tag."""
    school = caller_school(caller(request), Perm.EQUIPMENT_VIEW)
    return Shaped(asset_list(school, AssetFilter(**filters.dict())), asset_out)


@router.get(
    "/assets/{int:asset_pk}", response={200: AssetOut, **REFUSALS}, operation_id="assets_get"
)
def get_asset(request: HttpRequest, asset_pk: int) -> dict[str, Any]:
    """One asset, and whether it is out on loan."""
    caller_school(caller(request), Perm.EQUIPMENT_VIEW)
    asset = asset_for_user(caller(request), asset_pk)
    asset.has_open_loan = open_loan_of(asset) is not None  # type: ignore[attr-defined]
    return asset_out(asset)


class LoanQuery(Schema):
    state: str = "open"


@router.get("/loans", response={200: list[LoanOut], **REFUSALS}, operation_id="loans_list")
@paginate(Paged)
def list_loans(request: HttpRequest, filters: Query[LoanQuery]) -> Shaped:
    """Loans: ``open`` (default), ``overdue``, ``all`` or a loan state."""
    school = caller_school(caller(request), Perm.EQUIPMENT_VIEW)
    return Shaped(loans_list(school, state=filters.state), loan_out)


@router.get("/loans/{int:loan_pk}", response={200: LoanOut, **REFUSALS}, operation_id="loans_get")
def get_loan(request: HttpRequest, loan_pk: int) -> dict[str, Any]:
    """One loan."""
    caller_school(caller(request), Perm.EQUIPMENT_VIEW)
    return loan_out(loan_for_user(caller(request), loan_pk))
