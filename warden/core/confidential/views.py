"""Page helpers of a confidential record's page: each form on it posts, runs one service and
comes back to the record's page with what happened, or why not, in the message area."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from warden.core.errors import ServiceError


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
