"""The navigation: each area lists its pages in its own ``nav.py`` as ``NAV_ITEMS``.

Core gathers them from the installed apps (``warden.core.registry``), keeps the order of
``SECTIONS``, and shows a user only the items their role at the current school allows.

A long menu is hard to use (a headteacher may open some 45 pages), so each item names the
roles that use it every day (``daily``): those items head the user's menu, and when the
menu is longer than ``FOLD_AFTER`` the other sections fold away under their headings
(``<details>``), the one holding the current page open.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, get_script_prefix, reverse

from warden.core.access import AnyUser, roles_by_school, roles_hold
from warden.core.models import School
from warden.core.registry import collect
from warden.core.roles import Perm, Role


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    perm: str
    order: int = 50
    # The roles that use this page every day: it heads their menu, above the sections.
    daily: frozenset[str] = frozenset()


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
# The order of the work: what comes first for a user with several roles, in the menu's daily
# pages and on the home page. Safeguarding cannot wait; the overviews come next, then the
# day's operational work.
WORK_ORDER: tuple[str, ...] = (
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEADTEACHER,
    Role.TRUST_ADMIN,
    Role.SIRO,
    Role.ICT_MANAGER,
    Role.TECHNICIAN,
    Role.OFFICE,
    Role.TEACHER,
    Role.GOVERNOR,
)
EVERY_ROLE: frozenset[str] = frozenset(Role.values)


def roles_in_work_order(roles: Iterable[str]) -> list[str]:
    held = set(roles)
    return [role for role in WORK_ORDER if role in held]


DAILY = "Your daily work"
# Up to this many items, a menu shows every section open; beyond it, sections fold.
FOLD_AFTER = 12
# A section of so few items is never folded: a fold would hide as much as it saves.
FOLD_MIN = 3


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


@dataclass
class MenuSection:
    name: str
    items: list[dict[str, Any]]
    folded: bool = False
    open: bool = True


def menu_for(user: AnyUser, school: School, path: str) -> list[MenuSection]:
    """The user's menu at ``school``, their daily pages first (in the order of their roles'
    work). A short menu keeps its sections, those holding daily pages first; a long one
    lists the daily pages on their own, then the other sections, folded. ``path`` marks
    the current page."""
    roles = frozenset(roles_by_school(user).get(school.pk, set()))
    last = len(WORK_ORDER)
    # (section, daily rank or ``last`` when not daily, position in the full menu, entry)
    found: list[tuple[str, int, int, dict[str, Any]]] = [
        (section, daily, position, {"label": label, "url": url})
        for section, daily, position, label, url in _items_for(roles, get_script_prefix())
    ]
    # The current page is the item with the longest URL that the path starts with, so
    # "/people/import/" marks "Import from MIS" and not "People" too.
    matches = [
        e for *_, e in found if path == e["url"] or (e["url"] != "/" and path.startswith(e["url"]))
    ]
    current = max(matches, key=lambda e: len(e["url"])) if matches else None
    for *_, entry in found:
        entry["current"] = entry is current
    fold = len(found) > FOLD_AFTER
    daily_first = sorted(found, key=lambda f: (f[1], f[2]))
    sections: dict[str, list[dict[str, Any]]] = {}
    menu: list[MenuSection] = []
    if fold:
        menu.append(MenuSection(DAILY, [e for _s, d, _p, e in daily_first if d < last]))
        for section, daily, _p, entry in found:
            if daily == last:
                sections.setdefault(section, []).append(entry)
    else:
        for section, _d, _p, entry in daily_first:
            sections.setdefault(section, []).append(entry)
    for name, items in sections.items():
        folded = fold and len(items) >= FOLD_MIN
        opened = not folded or any(e["current"] for e in items)
        menu.append(MenuSection(name, items, folded=folded, open=opened))
    return [section for section in menu if section.items]


@functools.lru_cache(maxsize=256)
def _items_for(roles: frozenset[str], prefix: str) -> tuple[tuple[str, int, int, str, str], ...]:
    """The items holders of ``roles`` may open, as ``(section, daily rank, position, label,
    url)``: the same for everyone with those roles at a school (a permission comes only
    from a role, ``core.roles.ROLE_PERMISSIONS``), so worked out once per set of roles
    rather than on every page. ``prefix`` (the URL prefix the site is served under) is part
    of the key because the URLs depend on it."""
    rank = {role: n for n, role in enumerate(WORK_ORDER)}
    last = len(rank)
    found: list[tuple[str, int, int, str, str]] = []
    for position, item in enumerate(all_items()):
        if not roles_hold(roles, item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        mine = item.daily & roles
        daily = min(rank.get(r, last) for r in mine) if mine else last
        found.append((item.section, daily, position, item.label, url))
    return tuple(found)


NAV_ITEMS = [
    NavItem("Overview", "Home", "core:dashboard", Perm.DASHBOARD_VIEW, order=0, daily=EVERY_ROLE),
    NavItem(
        "Administration",
        "Users and roles",
        "core:user_list",
        Perm.USERS_MANAGE,
        order=10,
        daily=frozenset({Role.HEADTEACHER, Role.TRUST_ADMIN}),
    ),
    NavItem(
        "Administration",
        "School settings",
        "core:school_settings",
        Perm.SCHOOL_CONFIGURE,
        20,
        daily=frozenset({Role.TRUST_ADMIN}),
    ),
    NavItem(
        "Administration",
        "Audit trail",
        "core:audit_list",
        Perm.AUDIT_VIEW,
        order=30,
        daily=frozenset({Role.HEADTEACHER, Role.TRUST_ADMIN, Role.SIRO}),
    ),
]
