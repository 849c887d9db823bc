"""What the equipment page modules share: page size, tag lists, refusals, QR codes, and
approve-or-refuse decisions."""

from __future__ import annotations

import re

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from warden.core.access import has_perm, require_perm
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment.forms import NoteForm

PAGE_SIZE = 50

# Tags typed or scanned into one box, split at spaces, commas and semicolons.
TAG_SPLIT = re.compile(r"[\s,;]+")


def refused(request: HttpRequest, exc: ServiceError, to: str) -> HttpResponse:
    """Go back to ``to`` with the service's refusal in its own words."""
    messages.error(request, exc.message)
    return redirect(to)


def qr_svg(url: str, *, scale: int = 3, title: str = "") -> str:
    """An inline SVG QR code of ``url``."""
    return str(segno.make(url, error="m").svg_inline(scale=scale, title=title or url))


def require_any_perm(user: User, perms: tuple[str, ...], school: School) -> None:
    """Refuse unless ``user`` has one of ``perms`` at ``school``."""
    if not any(has_perm(user, perm, school) for perm in perms):
        require_perm(user, perms[0], school)


def decision_of(request: HttpRequest) -> tuple[bool, str]:
    """The approve-or-refuse choice posted by a decision form, and its note."""
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return request.POST.get("decision") == "approve", note
