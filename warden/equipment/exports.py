"""The asset register and the loans list as CSV or XLSX: each page's rows, filters, access."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from warden.core.access import request_school, require_perm
from warden.core.exports import export_response, filtered_list_export
from warden.core.roles import Perm
from warden.equipment.models import Asset, Loan, LoanState
from warden.equipment.selectors import asset_list, loans_list
from warden.equipment.views.assets import asset_filters
from warden.lib.exports import Column

ASSET_COLUMNS: list[Column[Asset]] = [
    Column("Asset tag", lambda a: a.asset_tag),
    Column("Type", lambda a: a.get_asset_type_display()),
    Column("Make", lambda a: a.make),
    Column("Model", lambda a: a.model),
    Column("Serial number", lambda a: a.serial),
    Column("Location", lambda a: a.location.name if a.location else ""),
    Column("State", lambda a: a.get_state_display()),
    Column("Purchased", lambda a: a.purchase_date),
    Column("Warranty until", lambda a: a.warranty_until),
    Column("Holds personal data", lambda a: a.holds_personal_data),
    Column("Disk encrypted", lambda a: a.encrypted),
    Column("Security last checked", lambda a: a.security_checked_on),
]

LOAN_COLUMNS: list[Column[Loan]] = [
    Column("Asset tag", lambda loan: loan.asset.asset_tag),
    Column("Make", lambda loan: loan.asset.make),
    Column("Model", lambda loan: loan.asset.model),
    Column("Borrower surname", lambda loan: loan.person.last_name),
    Column("Borrower first name", lambda loan: loan.person.first_name),
    Column("Out", lambda loan: loan.checked_out_at),
    Column("Due", lambda loan: loan.due_on),
    Column("State", lambda loan: loan.get_state_display()),
]

LOAN_VIEWS = {"open": "Out now", "overdue": "Overdue", **dict(LoanState.choices)}


asset_export = filtered_list_export(
    perm=Perm.EQUIPMENT_VIEW,
    name="assets",
    title="Assets at {school}",
    filtered=asset_filters,
    listed=asset_list,
    columns=ASSET_COLUMNS,
)


@login_required
@require_GET
def loan_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    state = request.GET.get("state", "open")
    return export_response(
        request,
        fmt=fmt,
        school=school,
        name="loans",
        title=f"Loans at {school.name}",
        rows=loans_list(school, state=state),
        columns=LOAN_COLUMNS,
        filters=[("Loans", str(LOAN_VIEWS.get(state, "every loan")))],
    )
