"""The pages one-time links open (``agreements.links``), made alike whatever the link is for:
run in the link's school without signing in, kept out of caches and referrer logs, and
refused with a page that says why."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from warden.agreements.links import LinkRefused, OneTimeLink
from warden.core.tenancy import reached_by_secret

View = Callable[..., HttpResponse]


def public_link_page(find: Callable[[str], OneTimeLink]) -> Callable[[View], View]:
    """For a view ``(request, token)`` a one-time link opens; ``find`` is the service that
    reads a token (raising ``LinkRefused``)."""

    def school_of(request: HttpRequest, token: str) -> int | None:
        try:
            return find(token).school.pk
        except LinkRefused as exc:
            return exc.school.pk if exc.school is not None else None

    def decorator(view: View) -> View:
        @require_http_methods(["GET", "POST"])
        @reached_by_secret(school_of)
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            # The token is in the address: keep it out of caches and other sites' referrer
            # logs ("same-origin": with no referrer the form posts with "Origin: null",
            # which the CSRF check refuses).
            response["Cache-Control"] = "no-store"
            response["Referrer-Policy"] = "same-origin"
            return response

        return wrapper

    return decorator


def refused(request: HttpRequest, exc: LinkRefused, template: str) -> HttpResponse:
    """The page saying why a link cannot be used: 410 when it is spent or old, else 404."""
    return render(
        request,
        template,
        {"message": exc.message, "school": exc.school},
        status=410 if exc.gone else 404,
    )
