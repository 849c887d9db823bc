"""The class set pages: sets, the devices in them, and lending a set to a class."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.middleware import client_ip
from warden.core.roles import Perm
from warden.equipment.access import class_set_for_user, set_loan_for_user
from warden.equipment.forms import ClassSetForm, ClassSetOutForm, TagsForm
from warden.equipment.models import Asset, ClassSet
from warden.equipment.services import class_sets as services
from warden.equipment.services import loans as loan_services
from warden.equipment.views.helpers import TAG_SPLIT, refused


@login_required
@require_http_methods(["GET", "POST"])
def class_set_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    form = ClassSetForm(request.POST or None)
    if request.method == "POST":
        require_perm(request.user, Perm.EQUIPMENT_MANAGE, school)
        if form.is_valid():
            try:
                class_set = services.class_set_create(
                    actor=request_user(request), school=school, name=form.cleaned_data["name"]
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect("equipment:class_set_detail", class_set_pk=class_set.pk)
    sets = ClassSet.objects.filter(school=school).prefetch_related("set_loans")
    return render(
        request,
        "equipment/class_set_list.html",
        {
            "sets": sets,
            "form": form,
            "school": school,
            "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
        },
    )


@login_required
@require_GET
def class_set_detail(request: HttpRequest, class_set_pk: int) -> HttpResponse:
    class_set = class_set_for_user(request.user, class_set_pk)
    school = class_set.school
    out = class_set.set_loans.filter(closed_at__isnull=True).first()
    return render(
        request,
        "equipment/class_set_detail.html",
        {
            "class_set": class_set,
            "assets": class_set.assets.order_by("asset_tag"),
            "out": out,
            "history": class_set.set_loans.select_related("person")[:10],
            "tags_form": TagsForm(),
            "out_form": ClassSetOutForm(school=school, user=request.user),
            "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
            "can_lend": has_perm(request.user, Perm.LOANS_MANAGE, school),
        },
    )


@login_required
@require_POST
def class_set_assets(request: HttpRequest, class_set_pk: int) -> HttpResponse:
    class_set = class_set_for_user(request.user, class_set_pk, perm=Perm.EQUIPMENT_MANAGE)
    to = reverse("equipment:class_set_detail", kwargs={"class_set_pk": class_set.pk})
    form = TagsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Scan or type at least one asset tag.")
        return redirect(to)
    tags = [t for t in TAG_SPLIT.split(form.cleaned_data["tags"]) if t]
    assets = list(Asset.objects.filter(school=class_set.school, asset_tag__in=tags))
    unknown = sorted(set(tags) - {a.asset_tag for a in assets})
    try:
        count = services.class_set_assign(
            actor=request_user(request),
            class_set=class_set,
            assets=assets,
            remove=request.POST.get("remove") == "1",
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"{count} device(s) updated.")
    if unknown:
        messages.warning(request, f"Not in the register: {', '.join(unknown)}.")
    return redirect(to)


@login_required
@require_POST
def class_set_check_out(request: HttpRequest, class_set_pk: int) -> HttpResponse:
    class_set = class_set_for_user(request.user, class_set_pk, perm=Perm.LOANS_MANAGE)
    to = reverse("equipment:class_set_detail", kwargs={"class_set_pk": class_set.pk})
    form = ClassSetOutForm(request.POST, school=class_set.school, user=request.user)
    if not form.is_valid():
        messages.error(
            request, "Choose the teacher and due date; they type their name and tick to accept."
        )
        return redirect(to)
    data = form.cleaned_data
    try:
        set_loan = services.class_set_check_out(
            actor=request_user(request),
            class_set=class_set,
            person=data["person"],
            due_on=data["due_on"],
            group=data["group"],
            purpose=data["purpose"],
            acceptance=loan_services.Acceptance(
                typed_name=data["typed_name"],
                confirmed=bool(data["confirmed"]),
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ),
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"{class_set} checked out to {set_loan.person}.")
    return redirect("equipment:set_loan_detail", set_loan_pk=set_loan.pk)


@login_required
@require_GET
def set_loan_detail(request: HttpRequest, set_loan_pk: int) -> HttpResponse:
    set_loan = set_loan_for_user(request.user, set_loan_pk)
    return render(
        request,
        "equipment/set_loan_detail.html",
        {
            "set_loan": set_loan,
            "loans": set_loan.loans.select_related("asset").order_by("asset__asset_tag"),
            "can_lend": has_perm(request.user, Perm.LOANS_MANAGE, set_loan.school),
        },
    )


@login_required
@require_POST
def set_loan_check_in(request: HttpRequest, set_loan_pk: int) -> HttpResponse:
    set_loan = set_loan_for_user(request.user, set_loan_pk, write=True)
    to = reverse("equipment:set_loan_detail", kwargs={"set_loan_pk": set_loan.pk})
    missing = [int(v) for v in request.POST.getlist("missing") if v.isdigit()]
    try:
        returned = services.class_set_check_in(
            actor=request_user(request),
            set_loan=set_loan,
            missing=missing,
            notes=request.POST.get("notes", ""),
        )
    except ServiceError as exc:
        return refused(request, exc, to)
    messages.success(request, f"{returned} device(s) checked in.")
    if missing:
        messages.warning(request, f"{len(missing)} device(s) still out; find them and check in.")
    return redirect(to)
