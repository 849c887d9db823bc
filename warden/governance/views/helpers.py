"""What every governance page needs: whether the reader may see names."""

from __future__ import annotations

from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.models import School
from warden.core.roles import Perm


def shows_names(request: HttpRequest, school: School) -> bool:
    """Owners and participants are named only to roles that look people up: governors see
    titles, dates and judgements (policy duty "Governors see counts, not names")."""
    return has_perm(request.user, Perm.PEOPLE_VIEW, school)
