"""The navigation: each area lists its pages in its own ``nav.py`` as ``NAV_ITEMS``.

Core gathers them from the installed apps (``warden.core.registry``), keeps the order of
``SECTIONS``, and shows a user only the items their role at the current school allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from warden.core.registry import collect


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


def all_items() -> tuple[NavItem, ...]:
    return tuple(
        sorted(
            collect("nav", "NAV_ITEMS"),
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
