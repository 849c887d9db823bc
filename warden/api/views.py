"""The API's docs page, rendered by Warden from the OpenAPI schema (no scripts from a CDN)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from warden.accounts.models import API_SCOPES
from warden.api.api import api
from warden.core.access import request_school, require_perm
from warden.core.roles import Perm

METHODS = ("get", "post", "put", "patch", "delete")


def endpoints(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the schema, in the schema's order, as the docs page lists it."""
    rows = []
    for url, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            rows.append(
                {
                    "method": method.upper(),
                    "path": url,
                    "id": operation.get("operationId", ""),
                    "tag": (operation.get("tags") or [""])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        p["name"] for p in operation.get("parameters", []) if "name" in p
                    ],
                }
            )
    return rows


@login_required
@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """For whoever makes the school's tokens: what each endpoint does, and the schema."""
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    schema = api.get_openapi_schema(path_prefix=request.path.removesuffix("docs"))
    return render(
        request,
        "api/docs.html",
        {
            "school": school,
            "endpoints": endpoints(schema),
            "description": schema["info"].get("description", ""),
            "scopes": list(API_SCOPES.values()),
        },
    )
