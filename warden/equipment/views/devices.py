"""The pages for personal devices, pupils' phones and guest Wi-Fi."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.equipment.access import (
    device_request_for_user,
    phone_hand_in_for_user,
    phone_request_for_user,
    wifi_session_for_user,
)
from warden.equipment.forms import DeviceRequestForm, PhoneRequestForm, SetUpForm, WifiForm
from warden.equipment.models import DeviceRequest, GuestWifiSession, PhoneHandIn, PhoneRequest
from warden.equipment.services import devices as services
from warden.equipment.views.helpers import (
    PAGE_SIZE,
    decision_of,
    refused,
    require_any_perm,
)
from warden.people.models import Person

# --- personal devices --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def device_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_any_perm(
        user, (Perm.DEVICES_REQUEST, Perm.DEVICES_APPROVE, Perm.EQUIPMENT_MANAGE), school
    )
    own = Person.objects.filter(school=school, user=user).first()
    form = DeviceRequestForm(
        request.POST or None, school=school, user=user, initial={"person": own}
    )
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
    approve, note = decision_of(request)
    try:
        services.device_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return refused(request, exc, reverse("equipment:device_list"))
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
        return refused(request, exc, reverse("equipment:device_list"))
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
        return refused(request, exc, reverse("equipment:device_list"))
    messages.success(request, "Connection removed.")
    return redirect("equipment:device_list")


# --- pupils' phones ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def phone_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_any_perm(user, (Perm.DEVICES_REQUEST, Perm.DEVICES_APPROVE), school)
    form = PhoneRequestForm(request.POST or None, school=school, user=user)
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
        return refused(request, exc, reverse("equipment:phone_list"))
    messages.success(request, f"{item.pupil}'s phone is kept at the office.")
    return redirect("equipment:phone_list")


@login_required
@require_POST
def phone_collect(request: HttpRequest, hand_in_pk: int) -> HttpResponse:
    hand_in = phone_hand_in_for_user(request.user, hand_in_pk)
    try:
        services.phone_collect(actor=request_user(request), hand_in=hand_in)
    except ServiceError as exc:
        return refused(request, exc, reverse("equipment:phone_list"))
    messages.success(request, "Phone collected.")
    return redirect("equipment:phone_list")


@login_required
@require_POST
def phone_decide(request: HttpRequest, phone_request_pk: int) -> HttpResponse:
    item = phone_request_for_user(request.user, phone_request_pk, perm=Perm.DEVICES_APPROVE)
    approve, note = decision_of(request)
    try:
        services.phone_request_decide(
            actor=request_user(request), request=item, approve=approve, note=note
        )
    except ServiceError as exc:
        return refused(request, exc, reverse("equipment:phone_list"))
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
    form = WifiForm(request.POST or None, school=school, user=user)
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
        return refused(request, exc, reverse("equipment:wifi_list"))
    return redirect("equipment:wifi_list")
