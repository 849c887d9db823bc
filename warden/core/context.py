"""What every page's template needs: the navigation, the acting school, the school list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from warden.core.access import has_perm, role_labels, schools_for
from warden.core.nav import SECTIONS, all_items


def warden(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    school = getattr(request, "school", None)
    if not user.is_authenticated or school is None:
        return {"current_school": school}
    sections: dict[str, list[dict[str, str | bool]]] = {}
    for item in all_items():
        if not has_perm(user, item.perm, school):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = request.path == url or (url != "/" and request.path.startswith(url))
        sections.setdefault(item.section, []).append(
            {"label": item.label, "url": url, "current": current}
        )
    ordered = [(name, sections[name]) for name in SECTIONS if name in sections]
    return {
        "current_school": school,
        "my_schools": list(schools_for(user)),
        "my_roles": role_labels(user, school),
        "nav_sections": ordered,
    }
