"""The REST API, ``/api/v1/``: one NinjaAPI, a router per area, JSON refusals.

Every refusal is ``{"message": ..., "field_errors": {...}}`` saying what to fix: a service's
``ServiceError`` (400), a missing scope or right (403), another school's or an unknown
record (404, as on the pages), a body or query that does not fit the schema (422).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from warden.api.auth import TokenAuth
from warden.api.endpoints import (
    accounts,
    agreements,
    equipment,
    filtering,
    incidents,
    monitoring,
    passwords,
    people,
)
from warden.core.errors import ServiceError

api = NinjaAPI(
    title="Warden API",
    version="1",
    description=(
        "A school's systems (MIS, safeguarding, device management) read and feed Warden. "
        "Authenticate with a school's API token: `Authorization: Bearer <token>`. A token "
        "acts for its own school only, with the scopes ticked when it was made, until it "
        "expires or is revoked. Lists are paged: `?page=2&page_size=50`."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,  # the docs page is Warden's own (warden.api.views.docs): no CDN scripts
    openapi_url="/openapi.json",
)

for prefix, router in (
    ("/people", people.router),
    ("/accounts", accounts.router),
    ("/agreements", agreements.router),
    ("/equipment", equipment.router),
    ("/violations", monitoring.router),
    ("/incidents", incidents.router),
    ("/filtering", filtering.router),
    ("/passwords", passwords.router),
):
    api.add_router(prefix, router)


def _refusal(request: HttpRequest, status: int, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"message": message, **extra}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _refusal(request, 400, exc.message, field_errors=exc.field_errors)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _refusal(request, 403, str(exc) or "This token may not do that.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _refusal(request, 404, str(exc) or "Not found.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.user.is_authenticated:
        # Signed in to the pages, but the API (bar the password check) is for systems.
        return _refusal(
            request,
            403,
            "Signing in to Warden's pages does not open the API: a system sends a school's "
            "API token as 'Authorization: Bearer <token>'.",
        )
    return _refusal(request, 401, "Send a school's API token as 'Authorization: Bearer <token>'.")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",))
        errors.setdefault(where or "request", []).append(str(error.get("msg", "invalid")))
    first = next(iter(errors.items()))
    return _refusal(
        request,
        422,
        f"The request does not fit the schema: {first[0]}: {first[1][0]}. "
        "See /api/v1/openapi.json.",
        field_errors=errors,
    )
