"""Request-wide context: the acting school, the audit context, and the sign-in guard."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from warden.core.access import needs_two_factor, visible_school_ids, visible_schools
from warden.core.audit import audit_context
from warden.core.models import ChangeMark, School
from warden.core.redirects import is_safe_next
from warden.core.tenancy import school_scope

SESSION_SCHOOL_KEY = "warden_school_id"
# When the session was last written (seconds since the epoch), and how often at most.
SESSION_TOUCHED_KEY = "warden_touched"
TOUCH_EVERY_SECONDS = 60


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, set the proxy to overwrite REMOTE_ADDR; trusting
    # X-Forwarded-For from any client would let people forge the audit trail's IPs.
    return request.META.get("REMOTE_ADDR") or None


def acting_school(request: HttpRequest) -> School | None:
    """The school the user is working in: chosen in the header, else their first school."""
    user = request.user
    if not user.is_authenticated:
        return None
    schools = visible_schools(user)
    if not schools:
        return None
    chosen = request.session.get(SESSION_SCHOOL_KEY)
    for school in schools:
        if school.pk == chosen:
            return school
    return schools[0]


_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def mark_change() -> None:
    """Note that something may have changed just now (``ChangeMark``)."""
    at = time.time_ns()
    if not ChangeMark.objects.filter(pk=1).update(at=at):
        ChangeMark.objects.update_or_create(pk=1, defaults={"at": at})


def last_change(request: HttpRequest) -> int:
    """When something last changed through a request, as this request first read it."""
    seen: int | None = getattr(request, "_warden_last_change", None)
    if seen is None:
        seen = ChangeMark.objects.filter(pk=1).values_list("at", flat=True).first() or 0
        request._warden_last_change = seen  # type: ignore[attr-defined]
    return seen


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        school = acting_school(request)
        request.school = school  # type: ignore[attr-defined]
        # The request's tenancy scope (warden.core.tenancy): the schools the user works at;
        # none for someone not signed in (pages reached by a secret link widen it to the
        # link's school themselves).
        with (
            school_scope(visible_school_ids(request.user)),
            audit_context(ip=client_ip(request), via="web", acting_school=school),
        ):
            response = self.get_response(request)
        if request.method not in _READING:
            mark_change()
        return response


class IdleTimeoutMiddleware:
    """Keep a session alive while it is used, writing it at most once a minute.

    Policy: a sign-in left idle for ``IDLE_MINUTES`` ends (``SESSION_COOKIE_AGE``): each
    write sets the stored session to expire that long after. Writing it on every request
    cost an UPDATE per page; written at most every ``TOUCH_EVERY_SECONDS``, a session left
    idle ends up to a minute early, never late. A session that changed is written anyway
    (Django's own rule), and an empty one (a visitor, or one just signed out) never is.
    Sits after the session middleware, so what it marks is saved on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        touched = session.get(SESSION_TOUCHED_KEY)
        fresh = isinstance(touched, int) and 0 <= now - touched < TOUCH_EVERY_SECONDS
        if session.modified or not fresh:
            session[SESSION_TOUCHED_KEY] = now
        return response


# Pages a signed-in user may reach before the second factor: signing out and the second
# factor itself (a code or a backup code at verify, enrolling at setup). Nothing else, not
# even the password change: a stolen password alone must not be able to change it.
_OPEN_PREFIXES = ("/static/", "/healthz")
_SECOND_FACTOR_OPEN_NAMES = frozenset({"core:logout", "core:otp_verify", "core:otp_setup"})
# After the second factor, a temporary password holds the user at the password change.
_PASSWORD_CHANGE_OPEN_NAMES = _SECOND_FACTOR_OPEN_NAMES | {"core:password_change"}


class SignInGuardMiddleware:
    """Hold a signed-in user at the second factor, then at a forced password change.

    Policy duty "Temporary passwords changed at first sign-in" (docs/policy-map.md). Roles
    that see safeguarding or personal data at scale must pass a second factor before any
    page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path
        if user.is_authenticated and not path.startswith(_OPEN_PREFIXES):
            if second_factor_pending(user) and path not in _paths(_SECOND_FACTOR_OPEN_NAMES):
                if not _has_device(user):
                    return _redirect(request, reverse("core:otp_setup"))
                url = reverse("core:otp_verify")
                wanted = request.get_full_path()
                # Back to the page asked for after the code, when it is a safe one to open.
                if request.method == "GET" and path != "/" and is_safe_next(wanted):
                    url = f"{url}?{urlencode({'next': wanted})}"
                return _redirect(request, url)
            if getattr(user, "must_change_password", False) and path not in _paths(
                _PASSWORD_CHANGE_OPEN_NAMES
            ):
                return _redirect(request, reverse("core:password_change"))
        return self.get_response(request)


@functools.cache
def _paths(names: frozenset[str]) -> frozenset[str]:
    return frozenset(reverse(name) for name in names)


def second_factor_pending(user: object) -> bool:
    """True while a user who needs a second factor (their role, or an enrolled
    authenticator) has signed in with a password only."""
    if bool(getattr(user, "is_verified", lambda: False)()):
        return False
    return needs_two_factor(user) or _has_device(user)  # type: ignore[arg-type]


def _has_device(user: object) -> bool:
    from django_otp import devices_for_user

    return any(True for _ in devices_for_user(user, confirmed=True))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
