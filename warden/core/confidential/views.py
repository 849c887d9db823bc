"""Page helpers of a confidential record's page: each form on it posts, runs one service and
comes back to the record's page with what happened, or why not, in the message area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from warden.core.access import request_user
from warden.core.confidential.forms import AccessForm, StepForm
from warden.core.errors import ServiceError
from warden.core.selectors import operators_at


def act(request: HttpRequest, back: str, action: Callable[[], str]) -> HttpResponse:
    """Run one service; show its refusal, or what it did, on the page at ``back``."""
    try:
        done = action()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, done)
    return redirect(back)


def invalid(request: HttpRequest, back: str, form: object) -> HttpResponse:
    """Back to the page at ``back`` with the form's first error: nothing was saved."""
    errors = getattr(form, "errors", {})
    first = next(iter(errors.values()))[0] if errors else "Check the form."
    messages.error(request, f"Nothing was saved: {first}")
    return redirect(back)


def access_add(
    request: HttpRequest, record: Any, *, back: str, grant: Callable[..., object]
) -> HttpResponse:
    """Put the posted user on the record's access list through the area's ``grant``
    service (called with ``actor``, ``user`` and ``reason``)."""
    form = AccessForm(request.POST, users=operators_at(record.school))
    if not form.is_valid():
        return invalid(request, back, form)
    user = form.cleaned_data["user"]

    def run() -> str:
        grant(actor=request_user(request), user=user, reason=form.cleaned_data["reason"])
        return f"{user} may now read {record.reference}."

    return act(request, back, run)


def access_remove(
    request: HttpRequest, entry: Any, *, back: str, revoke: Callable[..., object]
) -> HttpResponse:
    """Take one grant off a record's access list through the area's ``revoke`` service."""

    def run() -> str:
        revoke(actor=request_user(request), entry=entry)
        return "Access removed."

    return act(request, back, run)


def step_done(
    request: HttpRequest, step: Any, *, back: str, complete: Callable[..., object]
) -> HttpResponse:
    """Tick a playbook step with the posted note through the area's ``complete`` service
    (called with ``actor``, ``step`` and ``note``)."""
    form = StepForm(request.POST)
    if not form.is_valid():
        return invalid(request, back, form)

    def run() -> str:
        complete(actor=request_user(request), step=step, note=form.cleaned_data["note"])
        return "Step ticked."

    return act(request, back, run)
