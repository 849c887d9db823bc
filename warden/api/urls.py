"""``/api/v1/``: the API's own routes, each behind the token gate, and the docs page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from warden.api import views
from warden.api.api import api
from warden.api.auth import token_gate

app_name = "api"


def _gated(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if isinstance(pattern, URLPattern):
        return URLPattern(pattern.pattern, token_gate(pattern.callback), None, pattern.name)
    return pattern


urlpatterns = [
    path("docs", views.docs, name="docs"),
    *(_gated(p) for p in api.urls[0]),
]
