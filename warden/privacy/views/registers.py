"""The processors and cloud services register, the SIRO's overrides, removable media and
their wipes, and permissions to take personal data off site."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.accounts.models import System
from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm, PrivacyPerm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.equipment.models import Loan, LoanState
from warden.privacy import selectors
from warden.privacy.access import (
    media_for_user,
    off_site_for_user,
    processor_record_for_user,
    system_for_user,
)
from warden.privacy.forms import OffSiteForm, OverrideForm, ProcessorForm, WipeForm
from warden.privacy.models import MediaWipe, OffSitePermission, ProcessorOverride, ProcessorRecord
from warden.privacy.services import media as media_services
from warden.privacy.services import processors as processor_services

PAGE_SIZE = 25


def _search(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "").split())[:100]


# --- processors ------------------------------------------------------------------------------


@login_required
@require_GET
def processor_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, PrivacyPerm.PROCESSORS_VIEW, school)
    systems = System.objects.filter(school=school, is_active=True).select_related("processor")
    q = _search(request)
    if q:
        systems = systems.filter(Q(name__icontains=q) | Q(processor__processor_name__icontains=q))
    page = Paginator(systems.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "privacy/processor_list.html",
        {"page": page, "q": q, "today": today},
    )


def _processor_page(
    request: HttpRequest,
    system: System,
    form: ProcessorForm,
    override_form: OverrideForm,
    status: int = 200,
) -> HttpResponse:
    record = ProcessorRecord.objects.filter(system=system).first()
    return render(
        request,
        "privacy/processor_detail.html",
        {
            "system": system,
            "record": record,
            "problems": processor_services.approval_problems(record) if record else [],
            "form": form,
            "override_form": override_form,
            "overrides": ProcessorOverride.objects.filter(system=system).select_related(
                "person", "granted_by"
            ),
            "can_manage": has_perm(request.user, PrivacyPerm.PROCESSORS_MANAGE, system.school),
            "can_override": has_perm(request.user, PrivacyPerm.PROCESSOR_OVERRIDE, system.school),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _record_initial(system: System) -> dict[str, Any]:
    record = ProcessorRecord.objects.filter(system=system).first()
    if record is None:
        return {}
    return {
        name: getattr(record, name)
        for name in (
            "processor_name",
            "data_categories",
            "storage",
            "dpa_signed_on",
            "dpia_on",
            "dpia_review_on",
            "notes",
        )
    }


@login_required
@require_http_methods(["GET", "POST"])
def processor_detail(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk)
    override_form = OverrideForm(school=system.school, user=request.user)
    if request.method == "GET":
        form = ProcessorForm(initial=_record_initial(system))
        return _processor_page(request, system, form, override_form)
    require_perm(request.user, PrivacyPerm.PROCESSORS_MANAGE, system.school)
    form = ProcessorForm(request.POST, request.FILES)
    apply_upload_refusals(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dpa = data.get("dpa_file")
            dpia = data.get("dpia_file")
            processor_services.processor_record_save(
                actor=request_user(request),
                system=system,
                processor_name=data["processor_name"],
                data_categories=data["data_categories"],
                storage=data["storage"],
                dpa_signed_on=data["dpa_signed_on"],
                dpia_on=data["dpia_on"],
                dpia_review_on=data["dpia_review_on"],
                notes=data["notes"],
                dpa_scan=read_scan(dpa, field="dpa_file", what="the contract") if dpa else None,
                dpia_scan=read_scan(dpia, field="dpia_file", what="the DPIA") if dpia else None,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{system}'s data-protection record saved.")
            return redirect("privacy:processor_detail", system_pk=system.pk)
    return _processor_page(request, system, form, override_form, status=400)


@login_required
@require_POST
def processor_approve(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=PrivacyPerm.PROCESSORS_MANAGE)
    record = ProcessorRecord.objects.filter(system=system).first()
    if record is None:
        messages.error(request, f"Write {system}'s data-protection record first.")
        return redirect("privacy:processor_detail", system_pk=system.pk)
    approved = request.POST.get("approved") != "0"
    try:
        processor_services.processor_record_approve(
            actor=request_user(request), record=record, approved=approved
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{system} {'approved' if approved else 'no longer approved'}.")
    return redirect("privacy:processor_detail", system_pk=system.pk)


@login_required
@require_GET
def processor_file(request: HttpRequest, processor_record_pk: int, which: str) -> HttpResponseBase:
    record = processor_record_for_user(request.user, processor_record_pk)
    if which not in ("dpa", "dpia"):
        raise Http404("No such file.")
    stored = getattr(record, f"{which}_file")
    if not stored:
        raise Http404("No file has been uploaded.")
    return FileResponse(stored.open("rb"), as_attachment=True)


@login_required
@require_POST
def override_grant(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=PrivacyPerm.PROCESSOR_OVERRIDE)
    form = OverrideForm(request.POST, school=system.school, user=request.user)
    if form.is_valid():
        try:
            processor_services.processor_override_grant(
                actor=request_user(request),
                system=system,
                person=form.cleaned_data["person"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Override recorded for {form.cleaned_data['person']}.")
            return redirect("privacy:processor_detail", system_pk=system.pk)
    return _processor_page(
        request, system, ProcessorForm(initial=_record_initial(system)), form, status=400
    )


# --- removable media -------------------------------------------------------------------------


@login_required
@require_GET
def media_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    holder = Loan.objects.filter(asset=OuterRef("pk"), state=LoanState.ISSUED)
    last_wipe = MediaWipe.objects.filter(asset=OuterRef("pk")).order_by("-wiped_at", "-pk")
    returned = Loan.objects.filter(
        asset=OuterRef("pk"), state=LoanState.RETURNED, returned_at__isnull=False
    ).order_by("-returned_at")
    media = selectors.removable_media(school).annotate(
        holder_first=Subquery(holder.values("person__first_name")[:1]),
        holder_last=Subquery(holder.values("person__last_name")[:1]),
        wiped_at=Subquery(last_wipe.values("wiped_at")[:1]),
        returned_at=Subquery(returned.values("returned_at")[:1]),
    )
    q = _search(request)
    if q:
        media = media.filter(
            Q(asset_tag__icontains=q) | Q(make__icontains=q) | Q(model__icontains=q)
        )
    page = Paginator(media.order_by("asset_tag", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (a, bool(a.returned_at and (a.wiped_at is None or a.wiped_at < a.returned_at)))
        for a in page
    ]
    return render(
        request,
        "privacy/media_list.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "can_wipe": has_perm(request.user, PrivacyPerm.MEDIA_WIPE, school),
            "wipe_form": WipeForm(),
        },
    )


@login_required
@require_POST
def media_wipe(request: HttpRequest, removable_pk: int) -> HttpResponse:
    asset = media_for_user(request.user, removable_pk, perm=PrivacyPerm.MEDIA_WIPE)
    form = WipeForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("Choose how the media was wiped.")
        media_services.media_wipe_record(
            actor=request_user(request),
            asset=asset,
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Secure wipe of {asset.asset_tag} recorded.")
    return redirect("privacy:media_list")


# --- off-site permissions --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def off_site_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, PrivacyPerm.OFF_SITE_VIEW, school)
    can_grant = has_perm(request.user, PrivacyPerm.OFF_SITE_GRANT, school)
    form = OffSiteForm(request.POST or None, school=school, user=request.user)
    status = 200
    if request.method == "POST":
        require_perm(request.user, PrivacyPerm.OFF_SITE_GRANT, school)
        if form.is_valid():
            try:
                permission = media_services.off_site_permission_grant(
                    actor=request_user(request), school=school, **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Permission recorded: {permission}.")
                return redirect("privacy:off_site_list")
        status = 400
    rows = OffSitePermission.objects.filter(school=school).select_related(
        "person", "media", "granted_by"
    )
    q = _search(request)
    if q:
        rows = rows.filter(
            Q(person__first_name__icontains=q)
            | Q(person__last_name__icontains=q)
            | Q(data_description__icontains=q)
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/off_site_list.html",
        {
            "page": page,
            "q": q,
            "form": form,
            "can_grant": can_grant,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def off_site_revoke(request: HttpRequest, off_site_pk: int) -> HttpResponse:
    permission = off_site_for_user(request.user, off_site_pk, perm=PrivacyPerm.OFF_SITE_GRANT)
    try:
        media_services.off_site_permission_revoke(
            actor=request_user(request), permission=permission
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Permission withdrawn.")
    return redirect("privacy:off_site_list")
