"""Extension points: core and people gather what each installed area offers.

An area offers navigation items in ``<app>/nav.py`` (``NAV_ITEMS``), home-page panels,
figures and roll-up columns in ``<app>/dashboard.py`` (``HOME``, ``FIGURES``, ``ROLLUP``),
sections of a person's page in ``<app>/person_page.py`` (``SECTIONS``), demo data in
``<app>/demo.py`` (``LOADERS``), whom a person chooser offers in
``<app>/person_scopes.py`` (``SCOPES``) and, for the cross-school test,
``<app>/tests/object_makers.py`` (``OBJECT_MAKERS``, ``PUBLIC_PATTERNS``), so a new area
plugs in without editing core.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


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
            # Only the module (or a package on its way) being absent means "offers nothing";
            # a missing import inside it is a real error.
            wanted = f"{config.name}.{module}."
            if not exc.name or not wanted.startswith(exc.name + ".") or exc.name == config.name:
                raise
            continue
        found.extend(getattr(imported, attribute, []))
    return tuple(found)


def collect_unique(
    module: str, attribute: str, key: Callable[[Any], str], what: str
) -> dict[str, Any]:
    """``collect`` as a mapping by ``key``; two items under one key are a mistake, named by
    ``what`` ("The audit action")."""
    found: dict[str, Any] = {}
    for item in collect(module, attribute):
        name = key(item)
        if name in found:
            raise ImproperlyConfigured(f"{what} {name!r} is declared twice.")
        found[name] = item
    return found
