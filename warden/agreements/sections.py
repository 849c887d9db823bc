"""Sections other areas add to an agreement's pages, the staff page and the signing page, so
an agreement can show what it implements without importing the areas above it.

An area offers them as ``SECTIONS`` in its ``agreement_sections`` module: callables
``(version, request)`` returning ``(title, template, context)``, or none when they have
nothing to show. ``request`` is none on the page a signing link opens (nobody is signed in),
so a section for staff only returns none there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from warden.agreements.models import AgreementVersion
from warden.core.registry import collect

Section = tuple[str, str, dict[str, Any]]
SectionMaker = Callable[[AgreementVersion, HttpRequest | None], Section | None]


def sections(version: AgreementVersion | None, request: HttpRequest | None) -> list[Section]:
    if version is None:
        return []
    makers: tuple[SectionMaker, ...] = collect("agreement_sections", "SECTIONS")
    return [made for make in makers if (made := make(version, request)) is not None]
