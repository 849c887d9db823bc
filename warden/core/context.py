"""What every page's template needs: the navigation, the acting school, the school list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from warden.core.access import needs_two_factor, role_labels, visible_schools
from warden.core.nav import menu_for


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
    menu = menu_for(user, school, request.path)
    return {
        "current_school": school,
        "my_schools": visible_schools(user),
        "my_roles": role_labels(user, school),
        "nav_sections": menu,
    }
