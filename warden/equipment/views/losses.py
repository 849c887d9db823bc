"""The loss and theft pages: reporting a loss, finding the asset, and the possible-breach
flag the SIRO acknowledges."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import request_school, request_user, require_perm, roles_by_school
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.equipment import breach
from warden.equipment.access import asset_for_user, breach_for_user, loss_for_user
from warden.equipment.forms import LossForm, NoteForm
from warden.equipment.models import LossReport
from warden.equipment.services import losses as services
from warden.equipment.views.helpers import PAGE_SIZE, refused


@login_required
@require_http_methods(["GET", "POST"])
def loss_create(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.LOSSES_RECORD)
    form = LossForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.loss_report(
                actor=request_user(request),
                asset=asset,
                kind=data["kind"],
                circumstances=data["circumstances"],
                happened_at=data["happened_at"],
                police_reference=data["police_reference"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            if hasattr(report, "possible_breach"):
                messages.warning(
                    request,
                    "This may be a personal data breach: the SIRO has been told and the flag "
                    "stays on the dashboard until they assess it.",
                )
            messages.success(
                request, f"{asset.asset_tag} reported {report.get_kind_display().lower()}."
            )
            return redirect("equipment:loss_detail", loss_pk=report.pk)
    return render(request, "equipment/loss_form.html", {"form": form, "asset": asset})


@login_required
@require_POST
def asset_found(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.LOSSES_RECORD)
    to = reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    try:
        services.asset_found(actor=request_user(request), asset=asset)
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"{asset.asset_tag} is back in stock.")
    return redirect(to)


@login_required
@require_GET
def loss_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    reports = LossReport.objects.filter(school=school).select_related(
        "asset", "holder", "possible_breach"
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "equipment/loss_list.html",
        {"page": page, "school": school, "breaches": breach.open_breaches(school)},
    )


@login_required
@require_GET
def loss_detail(request: HttpRequest, loss_pk: int) -> HttpResponse:
    report = loss_for_user(request.user, loss_pk)
    flag = getattr(report, "possible_breach", None) if hasattr(report, "possible_breach") else None
    roles = roles_by_school(request.user).get(report.school_id, set())
    return render(
        request,
        "equipment/loss_detail.html",
        {
            "report": report,
            "flag": flag,
            "can_assess": breach.assessor_refusal(roles) is None,
            "note_form": NoteForm(),
        },
    )


@login_required
@require_POST
def breach_acknowledge(request: HttpRequest, breach_pk: int) -> HttpResponse:
    flag = breach_for_user(request.user, breach_pk)
    to = reverse("equipment:loss_detail", kwargs={"loss_pk": flag.loss_report_id})
    roles = roles_by_school(request.user).get(flag.school_id, set())
    if breach.assessor_refusal(roles):
        raise PermissionDenied(breach.assessor_refusal(roles))
    try:
        breach.possible_breach_acknowledge(
            actor=request_user(request),
            roles=roles,
            breach=flag,
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "Possible breach acknowledged; the flag is cleared.")
    return redirect(to)
