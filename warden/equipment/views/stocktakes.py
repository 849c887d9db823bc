"""The stocktake pages: locations, their counting plans, and the counts themselves."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.roles import Perm
from warden.equipment.access import location_for_user, stocktake_for_user
from warden.equipment.forms import LocationForm, PlanForm, ScanForm
from warden.equipment.models import Asset, Stocktake
from warden.equipment.selectors import (
    locations_with_plans,
    missing_after_stocktakes,
    never_audited,
    plans_due,
)
from warden.equipment.services import assets as asset_services
from warden.equipment.services import stocktakes as services
from warden.equipment.views.helpers import refused


@login_required
@require_GET
def stocktake_overview(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    return render(
        request,
        "equipment/stocktakes.html",
        {
            "school": school,
            "locations": locations_with_plans(school),
            "due": plans_due(school, days=0),
            "never": never_audited(school)[:100],
            "missing": missing_after_stocktakes(school),
            "open": Stocktake.objects.filter(
                school=school, completed_at__isnull=True
            ).select_related("location"),
            "recent": Stocktake.objects.filter(
                school=school, completed_at__isnull=False
            ).select_related("location")[:10],
            "location_form": LocationForm(),
            "plan_form": PlanForm(),
            "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
        },
    )


@login_required
@require_POST
def location_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_MANAGE, school)
    to = reverse("equipment:stocktake_overview")
    form = LocationForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("Give the location a name.")
        asset_services.location_create(
            actor=request_user(request), school=school, name=form.cleaned_data["name"]
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "Location added.")
    return redirect(to)


@login_required
@require_POST
def location_plan(request: HttpRequest, location_pk: int) -> HttpResponse:
    location = location_for_user(request.user, location_pk, write=True)
    to = reverse("equipment:stocktake_overview")
    form = PlanForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("Give how often to count (7 to 1,095 days) and the next due date.")
        services.audit_plan_set(
            actor=request_user(request),
            location=location,
            interval_days=form.cleaned_data["interval_days"],
            next_due=form.cleaned_data["next_due"],
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"Stocktake plan for {location} saved.")
    return redirect(to)


@login_required
@require_POST
def stocktake_start(request: HttpRequest, location_pk: int) -> HttpResponse:
    location = location_for_user(request.user, location_pk, write=True)
    try:
        stocktake = services.stocktake_start(actor=request_user(request), location=location)
    except ServiceError as exc:
        return refused(request, exc, reverse("equipment:stocktake_overview"))
    return redirect("equipment:stocktake_detail", stocktake_pk=stocktake.pk)


def _stocktake_page(request: HttpRequest, stocktake: Stocktake) -> HttpResponse:
    lines = list(stocktake.lines.select_related("asset").order_by("seen_at", "asset__asset_tag"))
    context = {
        "stocktake": stocktake,
        "lines": lines,
        "seen": sum(1 for line in lines if line.seen_at),
        "form": ScanForm(),
        "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, stocktake.school),
    }
    htmx = getattr(request, "htmx", False)
    template = (
        "equipment/stocktake_detail.html#lines" if htmx else "equipment/stocktake_detail.html"
    )
    return render(request, template, context)


@login_required
@require_GET
def stocktake_detail(request: HttpRequest, stocktake_pk: int) -> HttpResponse:
    return _stocktake_page(request, stocktake_for_user(request.user, stocktake_pk))


@login_required
@require_POST
def stocktake_mark(request: HttpRequest, stocktake_pk: int) -> HttpResponse:
    stocktake = stocktake_for_user(request.user, stocktake_pk, write=True)
    to = reverse("equipment:stocktake_detail", kwargs={"stocktake_pk": stocktake.pk})
    tag = request.POST.get("tag", "").strip()
    asset_pk = request.POST.get("asset", "")
    assets = Asset.objects.filter(school=stocktake.school)
    asset = (
        assets.filter(pk=int(asset_pk)).first()
        if asset_pk.isdigit()
        else assets.filter(asset_tag__iexact=tag).first()
    )
    if asset is None:
        messages.error(request, f"No asset with tag “{tag}” at this school.")
        return redirect(to)
    try:
        services.stocktake_mark(
            actor=request_user(request),
            stocktake=stocktake,
            asset=asset,
            how="confirm" if asset_pk else "scan",
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    if getattr(request, "htmx", False):
        return _stocktake_page(request, stocktake)
    return redirect(to)


@login_required
@require_POST
def stocktake_complete(request: HttpRequest, stocktake_pk: int) -> HttpResponse:
    stocktake = stocktake_for_user(request.user, stocktake_pk, write=True)
    try:
        services.stocktake_complete(
            actor=request_user(request), stocktake=stocktake, notes=request.POST.get("notes", "")
        )
    except ServiceError as exc:
        return refused(
            request,
            exc,
            reverse("equipment:stocktake_detail", kwargs={"stocktake_pk": stocktake.pk}),
        )
    messages.success(request, f"Stocktake of {stocktake.location} finished.")
    return redirect("equipment:stocktake_overview")
