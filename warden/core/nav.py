"""The navigation: each area lists its pages in its own ``nav.py`` as ``NAV_ITEMS``.

Core gathers them from the installed apps, keeps the order of ``SECTIONS``, and shows a
user only the items their role at the current school allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    perm: str
    order: int = 50


SECTIONS = [
    "Overview",
    "People and access",
    "Equipment",
    "Filtering and monitoring",
    "Safeguarding",
    "Data protection",
    "Governance",
    "Administration",
]


@cache
def all_items() -> tuple[NavItem, ...]:
    items: list[NavItem] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("warden."):
            continue
        try:
            module = import_module(f"{config.name}.nav")
        except ModuleNotFoundError:
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
    return tuple(
        sorted(
            items,
            key=lambda i: (
                SECTIONS.index(i.section) if i.section in SECTIONS else 99,
                i.order,
                i.label,
            ),
        )
    )


NAV_ITEMS = [
    NavItem("Overview", "Dashboard", "core:dashboard", "dashboard.view", order=0),
    NavItem("Administration", "Users and roles", "core:user_list", "users.manage", order=10),
    NavItem("Administration", "School settings", "core:school_settings", "school.configure", 20),
    NavItem("Administration", "Audit trail", "core:audit_list", "audit.view", order=30),
]
