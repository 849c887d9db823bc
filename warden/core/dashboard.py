"""Home pages: each role lands on what it does.

Each area offers what its people need first in ``<app>/dashboard.py``, and core assembles
the page for the roles the user holds at the acting school (core imports no area):

- ``HOME``: :class:`HomePanel` offers, each a provider of panels for the home page of some
  roles, shown to holders of its permission (the DSL's triage card, the office's signatures
  outstanding, a teacher's own requests);
- ``FIGURES``: ``(permission, provider)`` pairs giving :class:`Figure` s, one headline per
  area and whatever is overdue, which core gathers into the headteacher's one-screen
  overview;
- ``ROLLUP``: :class:`RollupColumn` s, one figure per school for the trust administrator's
  roll-up table, each counted for every school of the trust in one query.

A user holding several roles at a school sees each role's part in the order of the work
(``core.nav.WORK_ORDER``): a safeguarding lead who also teaches sees the triage queue before
their own requests.

The overview's figures and the roll-up's cells are kept for each user until something may
have changed (``core.reuse.reused``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial, reduce
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from warden.core.access import has_perm, memberships, roles_by_school, visible_schools
from warden.core.models import School
from warden.core.nav import roles_in_work_order
from warden.core.registry import collect
from warden.core.reuse import reused
from warden.core.roles import Perm, Role


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


PanelProvider = Callable[[HttpRequest, School], list[Panel]]


def _name(provider: Callable[..., Any]) -> str:
    return f"{provider.__module__}.{provider.__qualname__}"


def list_panel(
    title: str, template: str, rows: QuerySet[Any], *, limit: int, order: int, hide_empty: bool
) -> list[Panel]:
    """A panel listing the first ``limit`` of ``rows`` (``data.rows``) and whether there may
    be more (``data.more``, to link to the full list); none at all when ``hide_empty`` and
    there are no rows."""
    found = list(rows[:limit])
    if hide_empty and not found:
        return []
    return [Panel(title, template, {"rows": found, "more": len(found) == limit}, order=order)]


@dataclass(frozen=True)
class HomePanel:
    """An area's offer of a panel on the home page of ``roles``, to holders of ``perm``.

    ``order`` places it within a role's part of the page (lower first). The same provider
    offered to two roles the user holds shows once, in the first role's part. ``reuse``
    keeps what the provider gave until something may have changed (``core.reuse``), for a
    panel of figures and lists that may be a minute behind what arrives without a page;
    never for what safeguarding must see as it comes.
    """

    roles: frozenset[str]
    provider: PanelProvider
    perm: str = Perm.DASHBOARD_VIEW
    order: int = 50
    reuse: bool = False


@dataclass(frozen=True)
class HomeSection:
    """One role's part of the home page."""

    role: str
    label: str
    panels: list[Panel]


def home_for(request: HttpRequest, school: School) -> list[HomeSection]:
    """The home page of ``request.user`` at ``school``: a part per role, in the order of the
    work (``core.nav.WORK_ORDER``)."""
    user = request.user
    offers: list[HomePanel] = list(collect("dashboard", "HOME"))
    shown: set[PanelProvider] = set()
    sections: list[HomeSection] = []
    for role in roles_in_work_order(roles_by_school(user).get(school.pk, set())):
        chosen = sorted(
            (o for o in offers if role in o.roles and has_perm(user, o.perm, school)),
            key=lambda o: o.order,
        )
        panels: list[Panel] = []
        for offer in chosen:
            if offer.provider in shown:
                continue
            shown.add(offer.provider)
            made = partial(offer.provider, request, school)
            found = (
                reused(request, f"{_name(offer.provider)}:{school.pk}", made)
                if offer.reuse
                else made()
            )
            panels.extend(sorted(found, key=lambda p: p.order))
        if panels:
            sections.append(HomeSection(role, Role(role).label, panels))
    return sections


# --- the headteacher's overview: one figure per area and what is overdue -------------------


@dataclass(frozen=True)
class Figure:
    """One figure of the overview: a count (or a few words), what it counts, where to act.

    Each area gives one headline (``overdue=False``) and a figure for each thing overdue or
    wrong (only when there is one), which the overview lists first with its ``note``.
    """

    area: str
    value: int | str
    label: str
    url: str
    overdue: bool = False
    note: str = ""
    order: int = 50


FigureProvider = Callable[[HttpRequest, School], list[Figure]]


def figures_for(request: HttpRequest, school: School) -> list[Figure]:
    found: list[Figure] = []
    for perm, provider in collect("dashboard", "FIGURES"):
        if has_perm(request.user, perm, school):
            what = f"{_name(provider)}:{school.pk}"
            found.extend(reused(request, what, partial(provider, request, school)))
    return sorted(found, key=lambda f: (f.order, f.area))


def _overview_panel(request: HttpRequest, school: School) -> list[Panel]:
    figures = figures_for(request, school)
    return [
        Panel(
            f"Overview of {school.name}",
            "core/_home_overview.html",
            {
                "overdue": [f for f in figures if f.overdue],
                "headlines": [f for f in figures if not f.overdue],
            },
        )
    ]


# --- the trust administrator's roll-up: one row per school of the trust --------------------


@dataclass(frozen=True)
class Cell:
    """One school's figure in a roll-up column; ``attention`` marks one needing action."""

    text: str
    attention: bool = False


RollupProvider = Callable[[Sequence[School]], dict[int, Cell]]


@dataclass(frozen=True)
class RollupColumn:
    """A column of the roll-up: ``provider`` gives every school's cell at once (one query
    for all the schools, not one per school), and each cell opens ``url_name`` (with
    ``query``) at its school."""

    label: str
    perm: str
    provider: RollupProvider
    url_name: str
    query: str = ""
    order: int = 50


def counts_by_school(querysets: Iterable[QuerySet[Any]], *, distinct: str = "") -> dict[int, int]:
    """Rows per school of per-school querysets of one model, counted in one query.

    Each area keeps its own definition of what counts (a selector called once per school,
    which runs no query by itself); the querysets are joined with OR and grouped by school,
    so the roll-up asks the database once however many schools the trust has. ``distinct``
    counts distinct values of a field instead of rows (a leaver with two overdue accounts
    counts once).
    """
    found = list(querysets)
    if not found:
        return {}
    combined: QuerySet[Any] = reduce(operator.or_, found)
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    rows = combined.order_by().values("school_id").annotate(n=counted).values_list("school_id", "n")
    return {school_id: n for school_id, n in rows}


def trust_schools(request: HttpRequest) -> list[School]:
    """The schools of every trust the user administers trust-wide, by name."""
    trust_ids = {
        m.trust_id
        for m in memberships(request.user)
        if m.school_id is None and m.role == Role.TRUST_ADMIN
    }
    # Every school of such a trust is among the user's schools (read once per request).
    return [s for s in visible_schools(request.user) if s.trust_id in trust_ids]


def _rollup_panel(request: HttpRequest, school: School) -> list[Panel]:
    schools = trust_schools(request)
    columns = sorted(
        (c for c in collect("dashboard", "ROLLUP") if has_perm(request.user, c.perm, school)),
        key=lambda c: (c.order, c.label),
    )
    at = ",".join(str(s.pk) for s in schools)
    cells = [
        (
            column,
            reused(request, f"{_name(column.provider)}:{at}", partial(column.provider, schools)),
        )
        for column in columns
    ]
    rows = [
        {
            "school": s,
            "cells": [
                {
                    "column": column,
                    "cell": found.get(s.pk, Cell("0")),
                    "next": reverse(column.url_name) + column.query,
                }
                for column, found in cells
            ],
        }
        for s in schools
    ]
    title = ", ".join(sorted({s.trust.name for s in schools})) if schools else "Your trust"
    return [
        Panel(
            f"Schools of {title}",
            "core/_home_rollup.html",
            {"columns": columns, "rows": rows, "acting": school},
        )
    ]


HOME = [
    HomePanel(frozenset({Role.TRUST_ADMIN}), _rollup_panel, order=0),
    HomePanel(frozenset({Role.HEADTEACHER, Role.TRUST_ADMIN}), _overview_panel, order=5),
]
