"""Extension points: core and people gather what each installed area offers.

An area offers navigation items in ``<app>/nav.py`` (``NAV_ITEMS``), dashboard panels in
``<app>/dashboard.py`` (``PANELS``) and sections of a person's page in
``<app>/person_page.py`` (``SECTIONS``), so a new area plugs in without editing core.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps


@cache
def collect(module: str, attribute: str) -> tuple[Any, ...]:
    """Every item of ``attribute`` in ``<app>.<module>`` across Warden's installed apps."""
    found: list[Any] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("warden."):
            continue
        try:
            imported = import_module(f"{config.name}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{module}":
                raise
            continue
        found.extend(getattr(imported, attribute, []))
    return tuple(found)
