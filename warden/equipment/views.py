"""The equipment pages: register, labels and scanning, loans, class sets, stocktakes, losses.

Disposal, software and personal devices are in ``views_more.py``; imports in
``import_views.py``. Every view parses input, checks access, calls a service, renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import (
    has_perm,
    request_school,
    request_user,
    require_perm,
    roles_by_school,
)
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.middleware import client_ip
from warden.core.models import School
from warden.core.redirects import safe_next
from warden.core.roles import Perm
from warden.core.selectors import audit_history
from warden.equipment import breach, rules, services
from warden.equipment.access import (
    asset_for_user,
    breach_for_user,
    class_set_for_user,
    loan_for_user,
    location_for_user,
    loss_for_user,
    set_loan_for_user,
    stocktake_for_user,
)
from warden.equipment.forms import (
    AcceptForm,
    AssetFilterForm,
    AssetForm,
    CheckInForm,
    CheckOutForm,
    ClassSetForm,
    ClassSetOutForm,
    EquipmentSettingsForm,
    LocationForm,
    LossForm,
    NoteForm,
    OffSiteExceptionForm,
    PlanForm,
    RefusePermissionForm,
    ScanForm,
    TagsForm,
    WriteOffForm,
)
from warden.equipment.models import (
    Asset,
    AssetState,
    ClassSet,
    Loan,
    LoanState,
    Location,
    LossReport,
    Stocktake,
)
from warden.equipment.selectors import (
    AssetFilter,
    loans_list,
    locations_with_plans,
    missing_after_stocktakes,
    never_audited,
    open_loan_of,
    plans_due,
)
from warden.equipment.selectors import (
    asset_list as select_assets,
)
from warden.people.models import STAFF_TYPES, Person, PersonType, Status

PAGE_SIZE = 50


def _people(school: School, *, staff_only: bool = False) -> Any:
    people = Person.objects.filter(school=school).exclude(
        person_type__in=[PersonType.PARENT, PersonType.VISITOR]
    )
    if staff_only:
        people = people.filter(person_type__in=list(STAFF_TYPES))
    # Everyone who has not left (a leaver can still hand things back, and borrow until then).
    return people.with_status().exclude(**{"current_status": Status.LEFT})


def _refused(request: HttpRequest, exc: ServiceError, to: str) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect(to)


def _loan_step(
    request: HttpRequest,
    loan: Loan,
    step: Callable[[], Loan],
    done: Callable[[Loan], str],
    *,
    to: str = "",
) -> HttpResponse:
    """Run one step of a loan's life through its service, then go back to the loan's page
    (or ``to``) with ``done``'s words, or with the service's refusal in its own words."""
    to = to or reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk})
    try:
        loan = step()
    except ServiceError as exc:
        return _refused(request, exc, to)
    messages.success(request, done(loan))
    return redirect(to)


def _qr_svg(url: str, *, scale: int = 3, title: str = "") -> str:
    return str(segno.make(url, error="m").svg_inline(scale=scale, title=title or url))


def _asset_url(request: HttpRequest, asset: Asset) -> str:
    return request.build_absolute_uri(
        reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    )


# --- the register ------------------------------------------------------------------------------


@login_required
@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
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
    refusal = services.checkout_refusal(asset)
    history = None
    if has_perm(request.user, Perm.AUDIT_VIEW, school):
        history = audit_history("equipment.asset", asset.pk, limit=20)
    context = {
        "asset": asset,
        "open_loan": open_loan,
        "refusal": refusal,
        "can_lend": can_lend,
        "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, school),
        "can_record_loss": has_perm(request.user, Perm.LOSSES_RECORD, school),
        "checkout_form": CheckOutForm(people=_people(school)) if can_lend and not refusal else None,
        "off_site_until": services.off_site_exception_until(asset),
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
        "qr": _qr_svg(_asset_url(request, asset), title=f"Label for {asset.asset_tag}"),
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
        return _refused(request, exc, to)
    messages.success(request, "State changed.")
    return redirect(to)


@login_required
@require_GET
def asset_label(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk)
    qr = segno.make(_asset_url(request, asset), error="m")
    return HttpResponse(qr.svg_inline(scale=6, title=asset.asset_tag), content_type="image/svg+xml")


_TAG_SPLIT = re.compile(r"[\s,;]+")


@login_required
@require_GET
def labels(request: HttpRequest) -> HttpResponse:
    """A printable sheet of labels: QR code, tag, school; for chosen tags or a location."""
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    assets = Asset.objects.filter(school=school).exclude(state=AssetState.DISPOSED)
    tags = [t for t in _TAG_SPLIT.split(request.GET.get("tags", "")) if t]
    if tags:
        assets = assets.filter(asset_tag__in=tags)
    elif (location := request.GET.get("location", "")).isdigit():
        assets = assets.filter(location_id=int(location))
    else:
        assets = assets.none()
    sheet = [
        (asset, _qr_svg(_asset_url(request, asset), scale=3, title=asset.asset_tag))
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


# --- loans -------------------------------------------------------------------------------------


@login_required
@require_POST
def loan_check_out(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.LOANS_MANAGE)
    form = CheckOutForm(request.POST, people=_people(asset.school))
    to = reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    if not form.is_valid():
        messages.error(request, "Choose the borrower and the due date.")
        return redirect(to)
    data = form.cleaned_data
    refusal = rules.assignment_refusal(
        kind=data["kind"],
        can_manage_equipment=has_perm(request.user, Perm.EQUIPMENT_MANAGE, asset.school),
    )
    if refusal:
        messages.error(request, refusal)
        return redirect(to)
    acceptance = None
    if data["typed_name"]:
        acceptance = services.Acceptance(
            typed_name=data["typed_name"],
            confirmed=bool(data["confirmed"]),
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    try:
        loan = services.loan_check_out(
            actor=request_user(request),
            asset=asset,
            person=data["person"],
            due_on=data["due_on"],
            purpose=data["purpose"],
            kind=data["kind"],
            acceptance=acceptance,
            off_site=bool(data["off_site"]),
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
    if loan.state == LoanState.AWAITING_PERMISSION:
        messages.warning(
            request,
            f"{asset.asset_tag} is set aside for {loan.person}: a staff loan needs the ICT "
            "manager's and the headteacher's permission before it is issued.",
        )
    elif loan.is_issued:
        messages.success(request, f"{asset.asset_tag} issued to {loan.person}.")
    else:
        messages.warning(
            request,
            f"{asset.asset_tag} is checked out to {loan.person} but not issued: the loan "
            "agreement must be accepted first.",
        )
    return redirect("equipment:loan_detail", loan_pk=loan.pk)


@login_required
@require_GET
def loan_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    state = request.GET.get("state", "open")
    page = Paginator(loans_list(school, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "equipment/loan_list.html",
        {"page": page, "school": school, "state": state, "states": LoanState.choices},
    )


@login_required
@require_GET
def loan_detail(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk)
    can_lend = has_perm(request.user, Perm.LOANS_MANAGE, loan.school)
    link = request.session.pop(f"equipment_loan_link_{loan.pk}", None)
    text = loan.agreement_text or (
        services.current_agreement_text(loan.school)
        if loan.state == LoanState.AWAITING_AGREEMENT
        else None
    )
    return render(
        request,
        "equipment/loan_detail.html",
        {
            "loan": loan,
            "text": text,
            "can_lend": can_lend,
            "can_manage": has_perm(request.user, Perm.EQUIPMENT_MANAGE, loan.school),
            "accept_form": AcceptForm(),
            "permission_roles": services.permission_roles(request_user(request), loan),
            "refuse_form": RefusePermissionForm(),
            "checkin_form": CheckInForm(),
            "write_off_form": WriteOffForm(),
            "link": link,
            "link_qr": _qr_svg(link, title="Loan agreement link") if link else None,
            "link_recipients": services.loan_link_recipients(loan.person),
        },
    )


def _acceptance(
    request: HttpRequest, form: AcceptForm, method: str = "desk"
) -> services.Acceptance:
    return services.Acceptance(
        typed_name=form.cleaned_data["typed_name"],
        confirmed=bool(form.cleaned_data["confirmed"]),
        method=method,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@login_required
@require_POST
def loan_accept(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk, write=True)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The borrower types their name and ticks the box to accept.")
        return redirect("equipment:loan_detail", loan_pk=loan.pk)
    return _loan_step(
        request,
        loan,
        lambda: services.loan_accept(
            actor=request_user(request), loan=loan, acceptance=_acceptance(request, form)
        ),
        lambda loan: f"Agreement accepted: {loan.asset.asset_tag} is issued.",
    )


@login_required
@require_POST
def loan_link(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk, write=True)
    to = reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk})
    try:
        sent = services.loan_link_send(
            actor=request_user(request),
            loan=loan,
            url_for=lambda token: request.build_absolute_uri(
                reverse("equipment:accept_public", kwargs={"token": token})
            ),
            email=bool(request.POST.get("email")),
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
    # Shown once, on the next page only: the token itself is never stored.
    request.session[f"equipment_loan_link_{loan.pk}"] = sent.url
    if sent.sent_to:
        messages.success(request, f"The link is e-mailed to {', '.join(sent.sent_to)}.")
    else:
        messages.success(request, "The link is ready: give it to the borrower (shown once).")
    return redirect(to)


@login_required
@require_POST
def loan_check_in(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk, write=True)
    form = CheckInForm(request.POST)
    condition = form.cleaned_data["condition"] if form.is_valid() else "good"
    notes = form.cleaned_data["notes"] if form.is_valid() else ""
    return _loan_step(
        request,
        loan,
        lambda: services.loan_check_in(
            actor=request_user(request), loan=loan, condition=condition, notes=notes
        ),
        lambda loan: f"{loan.asset.asset_tag} checked in from {loan.person}.",
        to=safe_next(
            request.POST.get("next"),
            reverse("equipment:asset_detail", kwargs={"asset_pk": loan.asset_id}),
        ),
    )


def _permitted(loan: Loan) -> str:
    if loan.state == LoanState.AWAITING_PERMISSION:
        return "Permission given; the loan waits for the other permission."
    if loan.is_issued:
        return f"Permission given; {loan.asset.asset_tag} is issued."
    return "Permission given; the loan now waits for its agreement."


@login_required
@require_POST
def loan_permit(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk)
    return _loan_step(
        request,
        loan,
        lambda: services.loan_permit(actor=request_user(request), loan=loan),
        _permitted,
    )


@login_required
@require_POST
def loan_refuse(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk)
    form = RefusePermissionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _loan_step(
        request,
        loan,
        lambda: services.loan_permission_refuse(
            actor=request_user(request), loan=loan, reason=reason
        ),
        lambda _: "Loan refused; the device stays in stock.",
    )


@login_required
@require_POST
def off_site_exception(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.EQUIPMENT_DATA_EXCEPTIONS)
    to = reverse("equipment:asset_detail", kwargs={"asset_pk": asset.pk})
    form = OffSiteExceptionForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    try:
        exception = services.off_site_exception_record(
            actor=request_user(request),
            asset=asset,
            reason=data.get("reason", request.POST.get("reason", "")),
            ends_on=data.get("ends_on"),
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
    messages.success(
        request, f"{asset.asset_tag} may leave the site until {exception.ends_on:%d/%m/%Y}."
    )
    return redirect(to)


@login_required
@require_http_methods(["GET", "POST"])
def equipment_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    current = services.equipment_settings(school)
    form = EquipmentSettingsForm(
        # A POST with the one box unticked may be empty; it is still a submission.
        request.POST if request.method == "POST" else None,
        initial={"staff_loans_need_permission": current.staff_loans_need_permission},
    )
    if request.method == "POST" and form.is_valid():
        services.equipment_settings_update(
            actor=request_user(request),
            school=school,
            staff_loans_need_permission=form.cleaned_data["staff_loans_need_permission"],
        )
        messages.success(request, "Equipment settings saved.")
        return redirect("equipment:settings")
    return render(request, "equipment/settings.html", {"form": form, "school": school})


@login_required
@require_POST
def loan_cancel(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk, write=True)
    return _loan_step(
        request,
        loan,
        lambda: services.loan_cancel(actor=request_user(request), loan=loan),
        lambda _: "Check-out cancelled; the device never left.",
        to=reverse("equipment:asset_detail", kwargs={"asset_pk": loan.asset_id}),
    )


@login_required
@require_POST
def loan_write_off(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = loan_for_user(request.user, loan_pk)
    require_perm(request.user, Perm.EQUIPMENT_MANAGE, loan.school)
    form = WriteOffForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _loan_step(
        request,
        loan,
        lambda: services.loan_write_off(actor=request_user(request), loan=loan, reason=reason),
        lambda loan: f"{loan.asset.asset_tag} written off.",
    )


@require_http_methods(["GET", "POST"])
def accept_public(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link a borrower opens to read and accept the loan agreement."""
    try:
        loan = services.loan_for_token(token)
    except ServiceError as exc:
        return render(request, "equipment/accept_public.html", {"problem": exc.message}, status=410)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.loan_link_use(
                token=token,
                typed_name=form.cleaned_data["typed_name"],
                confirmed=bool(form.cleaned_data["confirmed"]),
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return render(request, "equipment/accept_public.html", {"done": True, "loan": loan})
    return render(
        request,
        "equipment/accept_public.html",
        {"loan": loan, "form": form, "text": services.current_agreement_text(loan.school)},
    )


# --- class sets --------------------------------------------------------------------------------


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
            "out_form": ClassSetOutForm(people=_people(school, staff_only=True)),
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
    tags = [t for t in _TAG_SPLIT.split(form.cleaned_data["tags"]) if t]
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
        return _refused(request, exc, to)
    messages.success(request, f"{count} device(s) updated.")
    if unknown:
        messages.warning(request, f"Not in the register: {', '.join(unknown)}.")
    return redirect(to)


@login_required
@require_POST
def class_set_check_out(request: HttpRequest, class_set_pk: int) -> HttpResponse:
    class_set = class_set_for_user(request.user, class_set_pk, perm=Perm.LOANS_MANAGE)
    to = reverse("equipment:class_set_detail", kwargs={"class_set_pk": class_set.pk})
    form = ClassSetOutForm(request.POST, people=_people(class_set.school, staff_only=True))
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
            acceptance=services.Acceptance(
                typed_name=data["typed_name"],
                confirmed=bool(data["confirmed"]),
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ),
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
    messages.success(request, f"{returned} device(s) checked in.")
    if missing:
        messages.warning(request, f"{len(missing)} device(s) still out; find them and check in.")
    return redirect(to)


# --- stocktakes --------------------------------------------------------------------------------


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
        services.location_create(
            actor=request_user(request), school=school, name=form.cleaned_data["name"]
        )
    except ServiceError as exc:
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
    messages.success(request, f"Stocktake plan for {location} saved.")
    return redirect(to)


@login_required
@require_POST
def stocktake_start(request: HttpRequest, location_pk: int) -> HttpResponse:
    location = location_for_user(request.user, location_pk, write=True)
    try:
        stocktake = services.stocktake_start(actor=request_user(request), location=location)
    except ServiceError as exc:
        return _refused(request, exc, reverse("equipment:stocktake_overview"))
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
        return _refused(request, exc, to)
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
        return _refused(
            request,
            exc,
            reverse("equipment:stocktake_detail", kwargs={"stocktake_pk": stocktake.pk}),
        )
    messages.success(request, f"Stocktake of {stocktake.location} finished.")
    return redirect("equipment:stocktake_overview")


# --- loss and theft ----------------------------------------------------------------------------


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
        return _refused(request, exc, to)
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
        return _refused(request, exc, to)
    messages.success(request, "Possible breach acknowledged; the flag is cleared.")
    return redirect(to)
