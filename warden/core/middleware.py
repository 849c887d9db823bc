"""Request-wide context: the acting school, the audit context, and the sign-in guard."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from warden.core.access import needs_two_factor, schools_for
from warden.core.audit import audit_context
from warden.core.models import School

SESSION_SCHOOL_KEY = "warden_school_id"


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, set the proxy to overwrite REMOTE_ADDR; trusting
    # X-Forwarded-For from any client would let people forge the audit trail's IPs.
    return request.META.get("REMOTE_ADDR") or None


def acting_school(request: HttpRequest) -> School | None:
    """The school the user is working in: chosen in the header, else their first school."""
    user = request.user
    if not user.is_authenticated:
        return None
    schools = list(schools_for(user))
    if not schools:
        return None
    chosen = request.session.get(SESSION_SCHOOL_KEY)
    for school in schools:
        if school.pk == chosen:
            return school
    return schools[0]


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        school = acting_school(request)
        request.school = school  # type: ignore[attr-defined]
        with audit_context(ip=client_ip(request), via="web", acting_school=school):
            return self.get_response(request)


# Pages a signed-in user may reach before finishing sign-in (second factor, new password).
_OPEN_PREFIXES = ("/static/", "/healthz")
_GUARD_OPEN_NAMES = {
    "core:logout",
    "core:otp_verify",
    "core:otp_setup",
    "core:password_change",
}


class SignInGuardMiddleware:
    """Hold a signed-in user at the second factor, then at a forced password change.

    Seed 001 §8b: temporary passwords are changed at first sign-in. Roles that see
    safeguarding or personal data at scale must pass a second factor before any page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_paths: set[str] | None = None

    def _open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in _GUARD_OPEN_NAMES}
        return path in self._open_paths or path.startswith(_OPEN_PREFIXES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not self._open(request.path):
            verified = bool(getattr(user, "is_verified", lambda: False)())
            if not verified and (needs_two_factor(user) or _has_device(user)):
                has_device = _has_device(user)
                target = "core:otp_verify" if has_device else "core:otp_setup"
                return _redirect(request, reverse(target))
            if getattr(user, "must_change_password", False):
                return _redirect(request, reverse("core:password_change"))
        return self.get_response(request)


def _has_device(user: object) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
