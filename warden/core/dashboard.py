"""Dashboard panels: each area offers its own from ``<app>/dashboard.py`` as ``panels()``.

A panel is a template and its context, shown only when the user holds its permission at
the acting school, so later areas add their panels without touching core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.models import School


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


PanelProvider = Callable[[HttpRequest, School], list[Panel]]


def _providers() -> list[tuple[str, PanelProvider]]:
    found: list[tuple[str, PanelProvider]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("warden."):
            continue
        try:
            module = import_module(f"{config.name}.dashboard")
        except ModuleNotFoundError:
            continue
        for perm, provider in getattr(module, "PANELS", []):
            found.append((perm, provider))
    return found


def panels_for(request: HttpRequest, school: School) -> list[Panel]:
    result: list[Panel] = []
    for perm, provider in _providers():
        if has_perm(request.user, perm, school):
            result.extend(provider(request, school))
    return sorted(result, key=lambda p: (p.order, p.title))
