"""Sign-in, second factor, dashboard, audit trail, users and school settings."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core import services
from warden.core.access import (
    management_refusal,
    needs_two_factor,
    request_school,
    request_user,
    require_perm,
    schools_for,
)
from warden.core.audit_display import action_search, describe
from warden.core.dashboard import home_for
from warden.core.errors import ServiceError
from warden.core.forms import (
    AuditFilterForm,
    OperatorCreateForm,
    OtpTokenForm,
    PasswordPolicyForm,
    PasswordResetRequestForm,
    RoleGrantForm,
    apply_service_errors,
)
from warden.core.middleware import SESSION_SCHOOL_KEY, client_ip, second_factor_pending
from warden.core.models import Membership, School, User
from warden.core.redirects import safe_next
from warden.core.roles import TWO_FACTOR_ROLES, Perm, Role, permission_table
from warden.core.selectors import audit_for_school, memberships_at, operators_at

# --- health -----------------------------------------------------------------------------


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return HttpResponse(
            f"database unavailable: {exc.__class__.__name__}\n",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse("ok\n", content_type="text/plain")


# --- sign-in ----------------------------------------------------------------------------


class _SafeNextMixin:
    """Django's sign-in and sign-out accept any same-host ``next``, including one that
    hands on to another site through a page after it; Warden's one check is stricter."""

    request: HttpRequest
    redirect_field_name: str

    def get_redirect_url(self) -> str:
        value = self.request.POST.get(
            self.redirect_field_name, self.request.GET.get(self.redirect_field_name)
        )
        return safe_next(value, "")


class SignInView(_SafeNextMixin, auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class SignOutView(_SafeNextMixin, auth_views.LogoutView):
    pass


def _wrong_code(form: OtpTokenForm, wait: int, advice: str) -> None:
    if wait:
        form.add_error(
            "token",
            f"Too many wrong codes in a row. Wait {wait} second{'s' if wait != 1 else ''}, "
            "then enter the newest code.",
        )
    else:
        form.add_error("token", advice)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if getattr(user, "is_verified", lambda: False)():
        return redirect("core:dashboard")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, wait = services.second_factor_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(safe_next(request.GET.get("next"), "core:dashboard"))
        _wrong_code(
            form,
            wait,
            "That code did not match. Check the time on your phone and "
            "enter the newest 6-digit code, or one of your backup codes.",
        )
    return render(request, "core/otp_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("core:otp_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = OtpTokenForm(request.POST or None, enrolling=True)
    if request.method == "POST" and form.is_valid():
        matched, wait = services.second_factor_verify(
            user=user, token=form.cleaned_data["token"], enrolling=device
        )
        if matched is not None:
            codes = services.two_factor_enrol(user=user, device=device)
            otp_login(request, device)
            return render(request, "core/otp_backup_codes.html", {"codes": codes})
        _wrong_code(
            form,
            wait,
            "That code did not match. Scan the QR code again and enter the "
            "6-digit code your app shows now.",
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1b1f24")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "core/otp_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "required": needs_two_factor(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    # The sign-in guard already sends such a user to the second factor; a stolen password
    # alone must never be able to change the password, whatever the order of middleware.
    if second_factor_pending(user):
        raise PermissionDenied("Finish signing in with your second factor first.")
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        services.user_password_changed(user=user)
        messages.success(request, "Your password has been changed.")
        return redirect("core:dashboard")
    return render(
        request, "core/password_change.html", {"form": form, "forced": user.must_change_password}
    )


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        # The same answer whether the address is known, unknown or over its limit.
        return redirect("core:password_reset_done")
    return render(request, "core/password_reset_form.html", {"form": form})


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.user_password_changed(user=form.user)
        return response


@login_required
@require_POST
def switch_school(request: HttpRequest) -> HttpResponse:
    slug = request.POST.get("school", "")
    school = schools_for(request.user).filter(slug=slug).first()
    if school is None:
        raise Http404("No such school.")
    request.session[SESSION_SCHOOL_KEY] = school.pk
    # The trust roll-up opens a page of the school it switches to (a path of Warden's own).
    return redirect(safe_next(request.POST.get("next"), "core:dashboard"))


# --- dashboard --------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page: what each of the user's roles at the acting school does first
    (``core.dashboard.home_for``)."""
    school = request_school(request)
    require_perm(request.user, Perm.DASHBOARD_VIEW, school)
    sections = home_for(request, school)
    panels = [panel for section in sections for panel in section.panels]
    return render(
        request,
        "core/dashboard.html",
        {"school": school, "sections": sections, "panels": panels},
    )


# --- audit trail ------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.AUDIT_VIEW, school)
    form = AuditFilterForm(request.GET or None)
    entries = audit_for_school(school, reader=request.user)
    if form.is_valid():
        q = form.cleaned_data["q"]
        if q:
            entries = entries.filter(
                action_search(q) | Q(actor_label__icontains=q) | Q(object_repr__icontains=q)
            )
        if form.cleaned_data["date_from"]:
            entries = entries.filter(at__date__gte=form.cleaned_data["date_from"])
        if form.cleaned_data["date_to"]:
            entries = entries.filter(at__date__lte=form.cleaned_data["date_to"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    template = "core/audit_list.html#results" if request.htmx else "core/audit_list.html"  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "entries": describe(page), "school": school}
    return render(request, template, context)


# --- users and roles --------------------------------------------------------------------


def _operator_at(request: HttpRequest, school: School, user_pk: int) -> User:
    """A user with a role at the acting school; anyone else does not exist here."""
    user = operators_at(school).filter(pk=user_pk).first()
    if user is None:
        raise Http404("No such user at this school.")
    return user


@login_required
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.USERS_MANAGE, school)
    memberships = memberships_at(school).order_by("user__last_name", "user__first_name", "role")
    by_user: dict[int, dict[str, Any]] = {}
    for m in memberships:
        row = by_user.setdefault(m.user_id, {"user": m.user, "roles": []})
        row["roles"].append(m)
    return render(
        request,
        "core/user_list.html",
        {
            "rows": list(by_user.values()),
            "school": school,
            "roles": list(Role),
            "permission_table": permission_table(),
            "two_factor_roles": [Role(r).label for r in Role if r in TWO_FACTOR_ROLES],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.USERS_MANAGE, school)
    form = OperatorCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.operator_create(
                actor=request_user(request), school=school, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return render(
                request,
                "core/user_temporary_password.html",
                {"target": user, "password": password, "school": school},
            )
    return render(request, "core/user_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_pk: int) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.USERS_MANAGE, school)
    target = _operator_at(request, school, user_pk)
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(
                actor=request_user(request),
                user=target,
                school=school,
                role=form.cleaned_data["role"],
            )
            messages.success(request, f"{target} is now {Role(form.cleaned_data['role']).label}.")
            return redirect("core:user_detail", user_pk=target.pk)
        except ServiceError as exc:
            apply_service_errors(form, exc)
    from axes.models import AccessAttempt

    locked = AccessAttempt.objects.filter(
        username=target.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()
    return render(
        request,
        "core/user_detail.html",
        {
            "target": target,
            "memberships": memberships_at(school).filter(user=target),
            "form": form,
            "school": school,
            "locked": locked,
            "has_2fa": TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
            "refusal": management_refusal(request.user, target),
        },
    )


@login_required
@require_POST
def user_action(request: HttpRequest, user_pk: int, action: str) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.USERS_MANAGE, school)
    target = _operator_at(request, school, user_pk)
    actor = request_user(request)
    try:
        if action == "reset-password":
            password = services.operator_reset_password(actor=actor, user=target, school=school)
            return render(
                request,
                "core/user_temporary_password.html",
                {"target": target, "password": password, "school": school},
            )
        if action == "unlock":
            services.operator_unlock(actor=actor, user=target, school=school)
            messages.success(request, f"{target} can sign in again.")
        elif action == "deactivate":
            services.operator_set_active(actor=actor, user=target, school=school, active=False)
            messages.success(request, f"{target}'s sign-in is switched off.")
        elif action == "activate":
            services.operator_set_active(actor=actor, user=target, school=school, active=True)
            messages.success(request, f"{target}'s sign-in is switched on.")
        elif action == "reset-2fa":
            services.operator_reset_two_factor(actor=actor, user=target, school=school)
            messages.success(request, f"{target} will set up a new authenticator at next sign-in.")
        else:
            raise Http404("No such action.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("core:user_detail", user_pk=target.pk)


@login_required
@require_POST
def membership_revoke(request: HttpRequest, membership_pk: int) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.USERS_MANAGE, school)
    membership = (
        Membership.objects.filter(pk=membership_pk, school=school)
        .select_related("user", "school")
        .first()
    )
    if membership is None:
        raise Http404("No such role at this school.")
    try:
        services.membership_revoke(actor=request_user(request), membership=membership)
        messages.success(
            request, f"Removed {membership.get_role_display()} from {membership.user}."
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("core:user_detail", user_pk=membership.user_id)


# --- school settings --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def school_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    initial = {
        "min_length": school.password_min_length,
        "require_mixed_case": school.password_require_mixed_case,
        "require_digit_or_symbol": school.password_require_digit_or_symbol,
    }
    form = PasswordPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_set_password_policy(
                actor=request_user(request), school=school, **form.cleaned_data
            )
            messages.success(request, "Password policy saved.")
            return redirect("core:school_settings")
        except ServiceError as exc:
            apply_service_errors(form, exc)
    return render(request, "core/school_settings.html", {"form": form, "school": school})


# --- errors -----------------------------------------------------------------------------


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = (
        str(exception) if exception and str(exception) else ("Your role does not allow this page.")
    )
    return render(request, "core/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)
