"""What every governance page needs: whether the reader may see names."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest

from warden.core.access import has_perm
from warden.core.models import School
from warden.core.roles import Perm
from warden.governance.forms import CoursePeopleForm

F = TypeVar("F", bound=CoursePeopleForm)


def shows_names(request: HttpRequest, school: School) -> bool:
    """Owners and participants are named only to roles that look people up: governors see
    titles, dates and judgements (policy duty "Governors see counts, not names")."""
    return has_perm(request.user, Perm.PEOPLE_VIEW, school)


def course_people_form(
    request: HttpRequest, form_class: type[F], school: School, **initial: Any
) -> F:
    """A course-and-people form for a page, its course chosen by ``?course=`` when given."""
    if request.GET.get("course", "").isdigit():
        initial["course"] = int(request.GET["course"])
    posted = request.POST if request.method == "POST" else None
    return form_class(posted, school=school, user=request.user, initial=initial)
