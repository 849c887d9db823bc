"""The loan pages: check-out, a loan's page and each step of its life, staff-loan
permissions, off-site exceptions, the school's loan settings and the public acceptance link."""

from __future__ import annotations

from collections.abc import Callable

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
from warden.core.middleware import client_ip
from warden.core.redirects import safe_next
from warden.core.roles import Perm
from warden.core.tenancy import reached_by_secret
from warden.equipment import rules
from warden.equipment.access import asset_for_user, loan_for_user
from warden.equipment.forms import (
    AcceptForm,
    CheckInForm,
    CheckOutForm,
    EquipmentSettingsForm,
    OffSiteExceptionForm,
    RefusePermissionForm,
    WriteOffForm,
)
from warden.equipment.models import Loan, LoanState
from warden.equipment.selectors import loans_list
from warden.equipment.services import loans as services
from warden.equipment.views.helpers import PAGE_SIZE, qr_svg, refused


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
        return refused(request, exc, to)
    messages.success(request, done(loan))
    return redirect(to)


@login_required
@require_POST
def loan_check_out(request: HttpRequest, asset_pk: int) -> HttpResponse:
    asset = asset_for_user(request.user, asset_pk, perm=Perm.LOANS_MANAGE)
    form = CheckOutForm(request.POST, school=asset.school, user=request.user)
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
        return refused(request, exc, to)
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
            "link_qr": qr_svg(link, title="Loan agreement link") if link else None,
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
        return refused(request, exc, to)
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
        return refused(request, exc, to)
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


def _loan_school(request: HttpRequest, token: str) -> int | None:
    try:
        return services.loan_for_token(token).school_id
    except ServiceError:
        return None


@require_http_methods(["GET", "POST"])
@reached_by_secret(_loan_school)
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
