"""The password check: does a candidate meet the school's policy, and which rule fails.

Other systems call it with a token holding the password-check scope; Warden's own pages may
call it as the signed-in user (session cookie and CSRF token). The candidate is never
stored or logged.
"""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

import json
from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables
from ninja import Router
from ninja.security import django_auth

from warden.accounts.passwords import candidate_problems
from warden.api.auth import TokenAuth, TokenPrincipal, caller_school
from warden.api.endpoints._common import REFUSALS, caller
from warden.api.schemas import PasswordIn, PasswordOut
from warden.core.access import request_school, require_perm, school_for_user
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.core.passwords import school_policy
from warden.core.roles import Perm
from warden.core.tenancy import school_scope

router = Router(tags=["Passwords"])

_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": PasswordIn.model_json_schema()},
        "application/x-www-form-urlencoded": {"schema": PasswordIn.model_json_schema()},
    },
}


@sensitive_variables("body", "value")
def _candidate(request: HttpRequest) -> str:
    # JSON or a form, as before the API existed: the systems already calling it send either.
    value: Any = None
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        value = body.get("password") if isinstance(body, dict) else None
    else:
        value = request.POST.get("password")
    if not isinstance(value, str) or not value:
        raise ServiceError(
            "Send the candidate as 'password' (JSON or form).",
            field_errors={"password": ["Required."]},
        )
    return value


def _school(request: HttpRequest) -> School:
    principal = caller(request)
    if isinstance(principal, TokenPrincipal):
        return caller_school(principal, Perm.DASHBOARD_VIEW)
    slug = request.GET.get("school") or request.POST.get("school")
    if slug:
        return school_for_user(principal, slug, Perm.DASHBOARD_VIEW)
    school = request_school(request)
    require_perm(principal, Perm.DASHBOARD_VIEW, school)
    return school


@router.post(
    "/check",
    response={200: PasswordOut, **REFUSALS},
    operation_id="password_check",
    url_name="password_check",
    auth=[TokenAuth(), django_auth],
    openapi_extra={"requestBody": _BODY},
)
@sensitive_variables("candidate")
def password_check(request: HttpRequest) -> dict[str, Any]:
    """Which of the school's password rules a candidate breaks (``acceptable`` when none)."""
    school = _school(request)
    candidate = _candidate(request)
    with school_scope(school.pk):
        problems = candidate_problems(school, candidate)
    return {
        "acceptable": not problems,
        "problems": problems,
        "policy": school_policy(school).describe(),
        "school": school.slug,
    }
