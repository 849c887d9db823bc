"""Who is calling: a school's API token (or, for the password check, a signed-in user).

A token acts as a principal the access helpers of ``warden.core.access`` understand: it
works at its own school only, holding exactly the permissions its scopes name, so every
endpoint asks the same helpers the pages ask. The gate around each endpoint finds the
token, enters its school's tenancy scope and audit context, and writes one audit entry
per call naming the token, the endpoint and the answer's status.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security import HttpBearer

from warden.accounts.models import API_SCOPES, ApiToken
from warden.accounts.services import api_token_authenticate
from warden.core.access import AnyUser, require_perm
from warden.core.audit import audit_context, audit_log
from warden.core.errors import ServiceError
from warden.core.middleware import client_ip
from warden.core.models import School
from warden.core.tenancy import school_scope

BEARER = "Bearer "


class TokenPrincipal(AnonymousUser):
    """An API token as the access helpers see it: no user, no membership, its scopes as
    permissions at its school (``core.access.school_ids_with`` reads ``granted_perms``)."""

    def __init__(self, token: ApiToken) -> None:
        super().__init__()
        self.token = token
        self.school = token.school
        self.granted_perms = {token.school_id: frozenset(token.scopes or ())}
        self._warden_roles_by_school: dict[int, set[str]] = {token.school_id: set()}

    def __str__(self) -> str:
        return f"API token {self.token}"


class TokenAuth(HttpBearer):
    """Declares the bearer token in the schema; the gate has already checked it."""

    def authenticate(self, request: HttpRequest, token: str) -> TokenPrincipal | None:
        return getattr(request, "api_principal", None)


def token_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap one of the API's views: refuse a bad token with the reason, run a good one in
    its school's scope, and audit the call."""

    @functools.wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if not header.startswith(BEARER):
            return view(request, *args, **kwargs)
        try:
            token = api_token_authenticate(header.removeprefix(BEARER).strip())
        except ServiceError as exc:
            return JsonResponse({"message": exc.message}, status=401)
        principal = TokenPrincipal(token)
        request.api_principal = principal  # type: ignore[attr-defined]
        with (
            school_scope(token.school_id),
            audit_context(
                ip=client_ip(request),
                via="api",
                acting_school=token.school,
                system_actor=f"API token {token}"[:200],
            ),
        ):
            status = 500
            try:
                response = view(request, *args, **kwargs)
                status = response.status_code
            finally:
                audit_log(
                    actor=None,
                    action="api.called",
                    obj=token,
                    changes={
                        "endpoint": [None, f"{request.method} {request.path}"[:300]],
                        "status": [None, status],
                    },
                )
        return response

    return gated


def caller_school(principal: AnyUser, perm: str) -> School:
    """The school the token works for, once it holds ``perm``; 403 saying which scope to
    tick otherwise."""
    if not isinstance(principal, TokenPrincipal):
        raise PermissionDenied("Send a school's API token as 'Authorization: Bearer <token>'.")
    if perm not in principal.granted_perms[principal.token.school_id]:
        raise PermissionDenied(
            f"This token may not “{API_SCOPES.get(perm, perm)}”. Make a token with that "
            "ticked on the school's Account settings page."
        )
    require_perm(principal, perm, principal.school)
    return principal.school
