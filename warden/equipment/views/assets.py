"""The register pages: the asset list, an asset's page and its edits, labels and scanning."""

from __future__ import annotations

import re

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.roles import Perm
from warden.core.selectors import audit_history
from warden.equipment.access import asset_for_user
from warden.equipment.forms import (
    AssetFilterForm,
    AssetForm,
    CheckInForm,
    CheckOutForm,
    OffSiteExceptionForm,
    ScanForm,
)
from warden.equipment.models import Asset, AssetState, Location, LossReport
from warden.equipment.selectors import AssetFilter, open_loan_of
from warden.equipment.selectors import asset_list as select_assets
from warden.equipment.services import assets as services
from warden.equipment.services import loans as loan_services
from warden.equipment.views.helpers import PAGE_SIZE, TAG_SPLIT, qr_svg, refused


def _asset_url(request: HttpRequest, asset: Asset) -> str:
    return request.build_absolute_uri(
        reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    )


@login_required
@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    form, filters = asset_filters(request, school)
    page = Paginator(select_assets(school, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "school": school,
        "sort": filters.sort,
        "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
    }
    htmx = getattr(request, "htmx", False)
    template = "equipment/asset_list.html#results" if htmx else "equipment/asset_list.html"
    return render(request, template, context)


def asset_filters(request: HttpRequest, school: School) -> tuple[AssetFilterForm, AssetFilter]:
    """The register's filters from the query string (its export reads them too)."""
    locations = Location.objects.filter(school=school)
    form = AssetFilterForm(request.GET or None, locations=locations)
    filters = AssetFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = AssetFilter(
            q=data["q"] or "",
            asset_type=data["asset_type"] or "",
            state=data["state"] or "",
            location=data["location"].pk if data["location"] else None,
            risk=bool(data["risk"]),
            sort=data["sort"] or "tag",
        )
    return form, filters


@login_required
@require_http_methods(["GET", "POST"])
def asset_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_MANAGE, school)
    form = AssetForm(request.POST or None, locations=Location.objects.filter(school=school))
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.asset_create(
                actor=request_user(request), school=school, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{asset} added to the register.")
            return redirect("equipment:asset_detail", asset_pk=asset.pk)
    return render(request, "equipment/asset_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.EQUIPMENT_MANAGE)
    initial = {name: getattr(asset, name) for name in services.ASSET_FIELDS}
    form = AssetForm(
        request.POST or None,
        initial=initial,
        locations=Location.objects.filter(school=asset.school),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_update(
                actor=request_user(request), asset=asset, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{asset.asset_tag} is saved.")
            return redirect("equipment:asset_detail", asset_pk=asset.pk)
    return render(request, "equipment/asset_form.html", {"form": form, "asset": asset})


@login_required
@require_GET
def asset_detail(request: HttpRequest, asset_pk: int) -> HttpResponse:
    """The page a label's QR code opens: check out or in from here in two clicks."""
    asset = asset_for_user(request.user, asset_pk)
    school = asset.school
    can_lend = has_perm(request.user, Perm.LOANS_MANAGE, school)
    open_loan = open_loan_of(asset)
    refusal = loan_services.checkout_refusal(asset)
    history = None
    if has_perm(request.user, Perm.AUDIT_VIEW, school):
        history = audit_history(
            "equipment.asset", asset.pk, limit=20, reader=request.user, school=school
        )
    context = {
        "asset": asset,
        "open_loan": open_loan,
        "refusal": refusal,
        "can_lend": can_lend,
        "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
        "can_record_loss": has_perm(request.user, Perm.LOSSES_RECORD, school),
        "checkout_form": CheckOutForm(school=school, user=request.user)
        if can_lend and not refusal
        else None,
        "off_site_until": loan_services.off_site_exception_until(asset),
        "exception_form": (
            OffSiteExceptionForm()
            if has_perm(request.user, Perm.EQUIPMENT_DATA_EXCEPTIONS, school)
            and asset.holds_personal_data
            and not asset.encrypted
            else None
        ),
        "checkin_form": CheckInForm() if open_loan and open_loan.is_issued else None,
        "loans": asset.loans.select_related("person")[:20],
        "losses": LossReport.objects.filter(asset=asset).select_related("possible_breach"),
        "installations": asset.installations.filter(removed_at__isnull=True).select_related(
            "product"
        ),
        "qr": qr_svg(_asset_url(request, asset), title=f"Label for {asset.asset_tag}"),
        "history": history,
    }
    return render(request, "equipment/asset_detail.html", context)


@login_required
@require_POST
def asset_state(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.EQUIPMENT_MANAGE)
    to = reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    try:
        services.asset_set_state(
            actor=request_user(request), asset=asset, state=request.POST.get("state", "")
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "State changed.")
    return redirect(to)


@login_required
@require_GET
def asset_label(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk)
    qr = segno.make(_asset_url(request, asset), error="m")
    return HttpResponse(qr.svg_inline(scale=6, title=asset.asset_tag), content_type="image/svg+xml")


@login_required
@require_GET
def labels(request: HttpRequest) -> HttpResponse:
    """A printable sheet of labels: QR code, tag, school; for chosen tags or a location."""
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    assets = Asset.objects.filter(school=school).exclude(state=AssetState.DISPOSED)
    tags = [t for t in TAG_SPLIT.split(request.GET.get("tags", "")) if t]
    if tags:
        assets = assets.filter(asset_tag__in=tags)
    elif (location := request.GET.get("location", "")).isdigit():
        assets = assets.filter(location_id=int(location))
    else:
        assets = assets.none()
    sheet = [
        (asset, qr_svg(_asset_url(request, asset), scale=3, title=asset.asset_tag))
        for asset in assets.order_by("asset_tag")[:200]
    ]
    return render(
        request,
        "equipment/labels.html",
        {
            "sheet": sheet,
            "school": school,
            "tags": " ".join(tags),
            "locations": Location.objects.filter(school=school),
        },
    )


@login_required
@require_GET
def scan(request: HttpRequest) -> HttpResponse:
    """A barcode scanner types the tag here (or a phone opens the QR link directly)."""
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    form = ScanForm(request.GET or None)
    if form.is_valid():
        tag = form.cleaned_data["tag"].strip()
        # A QR code scanned into the box gives the whole address; take the asset from it.
        match = re.search(r"/equipment/assets/(\d+)/?$", tag)
        asset = (
            Asset.objects.filter(school=school, pk=int(match[1])).first()
            if match
            else Asset.objects.filter(school=school, asset_tag__iexact=tag).first()
        )
        if asset is not None:
            return redirect("equipment:asset_detail", asset_pk=asset.pk)
        form.add_error("tag", f"No asset with tag “{tag}” at {school.name}.")
    return render(request, "equipment/scan.html", {"form": form, "school": school})
