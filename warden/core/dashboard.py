"""Dashboard panels: each area offers its own in ``<app>/dashboard.py`` as ``PANELS``.

A panel is a template and its context, shown only when the user holds its permission at
the acting school, so later areas add their panels without touching core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.models import School
from warden.core.registry import collect


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


PanelProvider = Callable[[HttpRequest, School], list[Panel]]


def panels_for(request: HttpRequest, school: School) -> list[Panel]:
    result: list[Panel] = []
    for perm, provider in collect("dashboard", "PANELS"):
        if has_perm(request.user, perm, school):
            result.extend(provider(request, school))
    return sorted(result, key=lambda p: (p.order, p.title))
