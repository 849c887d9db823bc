"""Tokens and a client that sends them, for the API's tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from warden.accounts import services
from warden.accounts.models import API_SCOPES
from warden.core.models import School, User


def token_for(actor: User, school: School, scopes: list[str] | None = None, **fields: Any) -> str:
    """The raw value of a new token (all scopes unless named)."""
    _, raw = services.api_token_create(
        actor=actor, school=school, name="School MIS", scopes=scopes or list(API_SCOPES), **fields
    )
    return raw


class ApiClient:
    """Calls ``/api/v1/`` with a bearer token, as another system does."""

    def __init__(self, raw: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(f"/api/v1{path}", params or {}, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )
