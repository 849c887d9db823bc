"""What every page's template needs: the navigation, the acting school, the school list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from warden.core.access import has_perm, needs_two_factor, role_labels, schools_for
from warden.core.nav import SECTIONS, all_items


def _held_at_sign_in(request: HttpRequest) -> bool:
    """True while the user still owes a second factor or a new password: show no menu."""
    user = request.user
    if getattr(user, "must_change_password", False):
        return True
    verified = bool(getattr(user, "is_verified", lambda: False)())
    return needs_two_factor(user) and not verified


def warden(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    school = getattr(request, "school", None)
    if not user.is_authenticated or school is None or _held_at_sign_in(request):
        return {"current_school": school}
    sections: dict[str, list[dict[str, str | bool]]] = {}
    for item in all_items():
        if not has_perm(user, item.perm, school):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "current": False}
        )
    # The current page is the item with the longest URL that the path starts with, so
    # "/people/import/" marks "Import from MIS" and not "People" too.
    entries = [entry for items in sections.values() for entry in items]
    matches = [
        e
        for e in entries
        if request.path == e["url"] or (e["url"] != "/" and request.path.startswith(str(e["url"])))
    ]
    if matches:
        max(matches, key=lambda e: len(str(e["url"])))["current"] = True
    ordered = [(name, sections[name]) for name in SECTIONS if name in sections]
    return {
        "current_school": school,
        "my_schools": list(schools_for(user)),
        "my_roles": role_labels(user, school),
        "nav_sections": ordered,
    }
