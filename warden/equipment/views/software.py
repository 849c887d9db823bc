"""The software pages: licensed products, reconciliation and installation requests."""

from __future__ import annotations

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
from warden.core.roles import Perm
from warden.equipment.access import install_request_for_user, product_for_user
from warden.equipment.forms import InstallDoneForm, InstallRequestForm, ProductForm
from warden.equipment.models import Asset, InstallRequest, SoftwareProduct
from warden.equipment.selectors import installations_of, reconciliation
from warden.equipment.services import software as services
from warden.equipment.views.helpers import PAGE_SIZE, decision_of, refused, require_any_perm


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    rows = reconciliation(school)
    show = request.GET.get("show", "")
    if show == "over":
        rows = [r for r in rows if r.over]
    elif show == "unused":
        rows = [r for r in rows if r.unused]
    return render(
        request,
        "equipment/product_list.html",
        {
            "rows": rows,
            "show": show,
            "school": school,
            "can_manage": has_perm(request.user, Perm.SOFTWARE_MANAGE, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SOFTWARE_MANAGE, school)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_save(
                actor=request_user(request), school=school, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("equipment:product_detail", product_pk=product.pk)
    return render(request, "equipment/product_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_pk: int) -> HttpResponse:
    product = product_for_user(request.user, product_pk, write=True)
    initial = {name: getattr(product, name) for name in services.PRODUCT_FIELDS}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_save(
                actor=request_user(request),
                school=product.school,
                fields=form.cleaned_data,
                product=product,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("equipment:product_detail", product_pk=product.pk)
    return render(request, "equipment/product_form.html", {"form": form, "product": product})


@login_required
@require_GET
def product_detail(request: HttpRequest, product_pk: int) -> HttpResponse:
    product = product_for_user(request.user, product_pk)
    installs = installations_of(product)
    return render(
        request,
        "equipment/product_detail.html",
        {
            "product": product,
            "installations": installs,
            "installed": installs.count(),
            "can_manage": has_perm(request.user, Perm.SOFTWARE_MANAGE, product.school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def install_request_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_any_perm(
        user, (Perm.DEVICES_REQUEST, Perm.SOFTWARE_MANAGE, Perm.SOFTWARE_APPROVE), school
    )
    form = InstallRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asset = None
        if data["asset_tag"]:
            asset = Asset.objects.filter(school=school, asset_tag__iexact=data["asset_tag"]).first()
        product = SoftwareProduct.objects.filter(
            school=school, name__iexact=data["software_name"].strip()
        ).first()
        try:
            if data["asset_tag"] and asset is None:
                raise ServiceError(
                    f"No device with tag {data['asset_tag']}.",
                    field_errors={"asset_tag": ["Check the tag on the device's label."]},
                )
            services.install_request_create(
                actor=user,
                school=school,
                software_name=data["software_name"],
                reason=data["reason"],
                product=product,
                asset=asset,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Request sent to the ICT manager.")
            return redirect("equipment:install_request_list")
    requests = InstallRequest.objects.filter(school=school).select_related(
        "asset", "requested_by", "decided_by"
    )
    sees_all = has_perm(user, Perm.SOFTWARE_MANAGE, school) or has_perm(
        user, Perm.SOFTWARE_APPROVE, school
    )
    if not sees_all:
        requests = requests.filter(requested_by=user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "equipment/install_request_list.html",
        {
            "page": page,
            "form": form,
            "school": school,
            "can_approve": has_perm(user, Perm.SOFTWARE_APPROVE, school),
            "can_install": has_perm(user, Perm.SOFTWARE_MANAGE, school),
            "done_form": InstallDoneForm(products=SoftwareProduct.objects.filter(school=school)),
        },
    )


@login_required
@require_POST
def install_request_decide(request: HttpRequest, install_request_pk: int) -> HttpResponse:
    item = install_request_for_user(request.user, install_request_pk, perm=Perm.SOFTWARE_APPROVE)
    approve, note = decision_of(request)
    to = reverse("equipment:install_request_list")
    try:
        services.install_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "Approved." if approve else "Refused.")
    return redirect(to)


@login_required
@require_POST
def install_request_done(request: HttpRequest, install_request_pk: int) -> HttpResponse:
    item = install_request_for_user(request.user, install_request_pk, perm=Perm.SOFTWARE_MANAGE)
    form = InstallDoneForm(
        request.POST, products=SoftwareProduct.objects.filter(school=item.school)
    )
    to = reverse("equipment:install_request_list")
    try:
        if not form.is_valid():
            raise ServiceError("Choose the licensed product and the device's asset tag.")
        asset = Asset.objects.filter(
            school=item.school, asset_tag__iexact=form.cleaned_data["asset_tag"]
        ).first()
        if asset is None:
            raise ServiceError("No device with that asset tag.")
        services.install_request_complete(
            actor=request_user(request),
            request=item,
            product=form.cleaned_data["product"],
            asset=asset,
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, "Installation recorded.")
    return redirect(to)
