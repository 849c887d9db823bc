"""The equipment pages for disposal, software licences and personal devices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School, User
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.equipment import services
from warden.equipment.access import (
    company_for_user,
    device_request_for_user,
    disposal_for_user,
    install_request_for_user,
    phone_hand_in_for_user,
    phone_request_for_user,
    product_for_user,
    wifi_session_for_user,
)
from warden.equipment.forms import (
    BatchForm,
    CompanyForm,
    CompleteBatchForm,
    DeviceRequestForm,
    InstallDoneForm,
    InstallRequestForm,
    NoteForm,
    PhoneRequestForm,
    ProductForm,
    SetUpForm,
    TagsForm,
    WifiForm,
)
from warden.equipment.models import (
    Asset,
    DeviceRequest,
    DisposalBatch,
    DisposalCompany,
    GuestWifiSession,
    InstallRequest,
    PhoneHandIn,
    PhoneRequest,
    SoftwareProduct,
)
from warden.equipment.selectors import installations_of, reconciliation
from warden.equipment.views import _TAG_SPLIT, _people, _refused
from warden.people.models import Person, PersonType

PAGE_SIZE = 50


def _require_any(user: User, perms: tuple[str, ...], school: School) -> None:
    if not any(has_perm(user, perm, school) for perm in perms):
        require_perm(user, perms[0], school)


def _decision(request: HttpRequest) -> tuple[bool, str]:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return request.POST.get("decision") == "approve", note


# --- disposal ----------------------------------------------------------------------------------


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
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
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
    tags = [t for t in _TAG_SPLIT.split(request.POST.get("tags", "")) if t]
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
        return _refused(request, exc, to)
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


# --- software ----------------------------------------------------------------------------------


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
    _require_any(user, (Perm.DEVICES_REQUEST, Perm.SOFTWARE_MANAGE, Perm.SOFTWARE_APPROVE), school)
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
    approve, note = _decision(request)
    to = reverse("equipment:install_request_list")
    try:
        services.install_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
    messages.success(request, "Installation recorded.")
    return redirect(to)


# --- personal devices --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def device_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    _require_any(user, (Perm.DEVICES_REQUEST, Perm.DEVICES_APPROVE, Perm.EQUIPMENT_MANAGE), school)
    staff = _people(school, staff_only=True)
    own = Person.objects.filter(school=school, user=user).first()
    form = DeviceRequestForm(request.POST or None, people=staff, initial={"person": own})
    if request.method == "POST":
        require_perm(user, Perm.DEVICES_REQUEST, school)
        if form.is_valid():
            try:
                services.device_request_create(actor=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Request sent to SLT.")
                return redirect("equipment:device_list")
    items = DeviceRequest.objects.filter(school=school).select_related("person", "requested_by")
    sees_all = has_perm(user, Perm.DEVICES_APPROVE, school) or has_perm(
        user, Perm.EQUIPMENT_MANAGE, school
    )
    if not sees_all:
        items = items.filter(Q(requested_by=user) | Q(person__user=user))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "equipment/device_list.html",
        {
            "page": page,
            "form": form,
            "school": school,
            "can_approve": has_perm(user, Perm.DEVICES_APPROVE, school),
            "can_set_up": has_perm(user, Perm.EQUIPMENT_MANAGE, school),
            "setup_form": SetUpForm(),
        },
    )


@login_required
@require_POST
def device_decide(request: HttpRequest, device_request_pk: int) -> HttpResponse:
    item = device_request_for_user(request.user, device_request_pk, perm=Perm.DEVICES_APPROVE)
    approve, note = _decision(request)
    try:
        services.device_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:device_list"))
    messages.success(
        request, "Approved: Technical Support will set it up." if approve else "Refused."
    )
    return redirect("equipment:device_list")


@login_required
@require_POST
def device_set_up(request: HttpRequest, device_request_pk: int) -> HttpResponse:
    item = device_request_for_user(request.user, device_request_pk, perm=Perm.EQUIPMENT_MANAGE)
    form = SetUpForm(request.POST)
    try:
        if not form.is_valid():
            raise ServiceError("Record the device's MAC address and serial number.")
        services.device_request_set_up(
            actor=request_user(request), request=item, **form.cleaned_data
        )
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:device_list"))
    messages.success(request, "Device set up and recorded.")
    return redirect("equipment:device_list")


@login_required
@require_POST
def device_revoke(request: HttpRequest, device_request_pk: int) -> HttpResponse:
    item = device_request_for_user(request.user, device_request_pk, perm=Perm.EQUIPMENT_MANAGE)
    try:
        services.device_request_revoke(
            actor=request_user(request), request=item, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:device_list"))
    messages.success(request, "Connection removed.")
    return redirect("equipment:device_list")


# --- pupils' phones ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def phone_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    _require_any(user, (Perm.DEVICES_REQUEST, Perm.DEVICES_APPROVE), school)
    everyone = Person.objects.filter(school=school)
    form = PhoneRequestForm(
        request.POST or None,
        pupils=everyone.filter(person_type=PersonType.PUPIL),
        parents=everyone.filter(person_type=PersonType.PARENT),
    )
    if request.method == "POST":
        require_perm(user, Perm.DEVICES_REQUEST, school)
        if form.is_valid():
            try:
                services.phone_request_record(actor=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Request recorded; the school will decide.")
                return redirect("equipment:phone_list")
    items = PhoneRequest.objects.filter(school=school).select_related("pupil", "parent")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    approved = items.filter(state=PhoneRequest.State.APPROVED)
    hand_ins = {h.request_id: h for h in PhoneHandIn.objects.filter(school=school, day=today)}
    office = [(r, hand_ins.get(r.pk)) for r in approved]
    return render(
        request,
        "equipment/phone_list.html",
        {
            "page": page,
            "form": form,
            "school": school,
            "can_approve": has_perm(user, Perm.DEVICES_APPROVE, school),
            "office": office,
            "can_record": has_perm(user, Perm.DEVICES_REQUEST, school),
        },
    )


@login_required
@require_POST
def phone_hand_in(request: HttpRequest, phone_request_pk: int) -> HttpResponse:
    item = phone_request_for_user(request.user, phone_request_pk, perm=Perm.DEVICES_REQUEST)
    try:
        services.phone_hand_in(actor=request_user(request), request=item)
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:phone_list"))
    messages.success(request, f"{item.pupil}'s phone is kept at the office.")
    return redirect("equipment:phone_list")


@login_required
@require_POST
def phone_collect(request: HttpRequest, hand_in_pk: int) -> HttpResponse:
    hand_in = phone_hand_in_for_user(request.user, hand_in_pk)
    try:
        services.phone_collect(actor=request_user(request), hand_in=hand_in)
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:phone_list"))
    messages.success(request, "Phone collected.")
    return redirect("equipment:phone_list")


@login_required
@require_POST
def phone_decide(request: HttpRequest, phone_request_pk: int) -> HttpResponse:
    item = phone_request_for_user(request.user, phone_request_pk, perm=Perm.DEVICES_APPROVE)
    approve, note = _decision(request)
    try:
        services.phone_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:phone_list"))
    messages.success(
        request,
        "Approved: the phone is handed in at the office each day." if approve else "Refused.",
    )
    return redirect("equipment:phone_list")


# --- guest Wi-Fi -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def wifi_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_perm(user, Perm.DEVICES_REQUEST, school)
    form = WifiForm(request.POST or None, staff=_people(school, staff_only=True))
    if request.method == "POST" and form.is_valid():
        try:
            services.wifi_session_start(actor=user, school=school, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Guest access logged.")
            return redirect("equipment:wifi_list")
    sessions = GuestWifiSession.objects.filter(school=school).select_related("supervisor")
    if request.GET.get("q"):
        sessions = sessions.filter(visitor_name__icontains=request.GET["q"])
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "equipment/wifi_list.html", {"page": page, "form": form, "school": school}
    )


@login_required
@require_POST
def wifi_end(request: HttpRequest, wifi_pk: int) -> HttpResponse:
    session = wifi_session_for_user(request.user, wifi_pk)
    try:
        services.wifi_session_end(actor=request_user(request), session=session)
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:wifi_list"))
    return redirect("equipment:wifi_list")
