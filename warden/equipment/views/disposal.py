"""The disposal pages: approved companies, batches and their certificates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.equipment.access import company_for_user, disposal_for_user
from warden.equipment.forms import BatchForm, CompanyForm, CompleteBatchForm, TagsForm
from warden.equipment.models import Asset, DisposalBatch, DisposalCompany
from warden.equipment.services import disposal as services
from warden.equipment.views.helpers import TAG_SPLIT, refused


@login_required
@require_GET
def disposal_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.DISPOSAL_MANAGE, school)
    companies = DisposalCompany.objects.filter(school=school)
    return render(
        request,
        "equipment/disposal_list.html",
        {
            "school": school,
            "companies": companies,
            "batches": DisposalBatch.objects.filter(school=school).select_related("company"),
            "company_form": CompanyForm(),
            "batch_form": BatchForm(companies=companies.filter(approved=True)),
        },
    )


@login_required
@require_POST
def company_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.DISPOSAL_MANAGE, school)
    form = CompanyForm(request.POST)
    to = reverse("equipment:disposal_list")
    try:
        if not form.is_valid():
            raise ServiceError("Enter the company's name.")
        services.disposal_company_create(
            actor=request_user(request), school=school, **form.cleaned_data
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "Company added; approve it once its registration is checked.")
    return redirect(to)


@login_required
@require_POST
def company_approve(request: HttpRequest, company_pk: int) -> HttpResponse:
    company = company_for_user(request.user, company_pk)
    to = reverse("equipment:disposal_list")
    try:
        services.disposal_company_set_approved(
            actor=request_user(request),
            company=company,
            approved=request.POST.get("approved") != "0",
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"{company} updated.")
    return redirect(to)


@login_required
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.DISPOSAL_MANAGE, school)
    companies = DisposalCompany.objects.filter(school=school)
    form = BatchForm(request.POST, companies=companies)
    to = reverse("equipment:disposal_list")
    try:
        if not form.is_valid():
            raise ServiceError("Choose an approved company and give the batch a reference.")
        batch = services.disposal_batch_create(
            actor=request_user(request), school=school, **form.cleaned_data
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    return redirect("equipment:disposal_detail", disposal_pk=batch.pk)


@login_required
@require_GET
def disposal_detail(request: HttpRequest, disposal_pk: int) -> HttpResponse:
    batch = disposal_for_user(request.user, disposal_pk)
    return render(
        request,
        "equipment/disposal_detail.html",
        {
            "batch": batch,
            "assets": batch.assets.order_by("asset_tag"),
            "tags_form": TagsForm(),
            "complete_form": CompleteBatchForm(),
        },
    )


@login_required
@require_POST
def disposal_add(request: HttpRequest, disposal_pk: int) -> HttpResponse:
    batch = disposal_for_user(request.user, disposal_pk)
    to = reverse("equipment:disposal_detail", kwargs={"disposal_pk": batch.pk})
    tags = [t for t in TAG_SPLIT.split(request.POST.get("tags", "")) if t]
    assets = {a.asset_tag: a for a in Asset.objects.filter(school=batch.school, asset_tag__in=tags)}
    added = 0
    for tag in tags:
        asset = assets.get(tag)
        if asset is None:
            messages.error(request, f"No asset with tag {tag}.")
            continue
        try:
            services.disposal_batch_add(actor=request_user(request), batch=batch, asset=asset)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            added += 1
    if added:
        messages.success(request, f"{added} asset(s) added to the batch.")
    return redirect(to)


@login_required
@require_POST
def disposal_remove(request: HttpRequest, disposal_pk: int, asset_pk: int) -> HttpResponse:
    batch = disposal_for_user(request.user, disposal_pk)
    asset = Asset.objects.filter(pk=asset_pk, disposal_batch=batch).first()
    if asset is None:
        raise Http404("Not found.")
    to = reverse("equipment:disposal_detail", kwargs={"disposal_pk": batch.pk})
    try:
        services.disposal_batch_remove(actor=request_user(request), batch=batch, asset=asset)
    except ServiceError as exc:
        return refused(request, exc, to)
    return redirect(to)


@login_required
@require_POST
def disposal_complete(request: HttpRequest, disposal_pk: int) -> HttpResponse:
    batch = disposal_for_user(request.user, disposal_pk)
    form = CompleteBatchForm(request.POST, request.FILES)
    apply_upload_refusals(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.disposal_batch_complete(
                actor=request_user(request),
                batch=batch,
                certificate_number=data["certificate_number"],
                certificate_scan=read_scan(
                    data["certificate_scan"], field="certificate_scan", what="the certificate"
                ),
                weee_reference=data["weee_reference"],
                wiping_method=data["wiping_method"],
                collected_on=data["collected_on"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{batch} is complete; its assets are disposed of.")
            return redirect("equipment:disposal_detail", disposal_pk=batch.pk)
    return render(
        request,
        "equipment/disposal_detail.html",
        {
            "batch": batch,
            "assets": batch.assets.order_by("asset_tag"),
            "tags_form": TagsForm(),
            "complete_form": form,
        },
        status=400,
    )


@login_required
@require_GET
def disposal_certificate(request: HttpRequest, disposal_pk: int) -> HttpResponseBase:
    batch = disposal_for_user(request.user, disposal_pk)
    if not batch.certificate_scan:
        raise Http404("No certificate has been attached.")
    return FileResponse(batch.certificate_scan.open("rb"), as_attachment=True)
