"""The people register as CSV or XLSX: the list page's rows and filters, its access."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from warden.core.access import request_school, require_perm
from warden.core.exports import export_response, filters_described
from warden.core.roles import Perm
from warden.lib.exports import Column
from warden.people.access import KINDS, Detail, details_for, kind_of
from warden.people.models import Person
from warden.people.views import people_filtered


@login_required
@require_GET
def person_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_VIEW, school)
    form, _, people = people_filtered(request, school)
    by_kind = {kind: details_for(request.user, school, kind) for kind in KINDS}

    def shown(detail: str, read: Callable[[Person], object]) -> Callable[[Person], object]:
        # A detail the reader may not see of this kind of person is left blank, as the page
        # leaves it out.
        return lambda p: read(p) if detail in by_kind[kind_of(p)] else None

    place = Detail.SCHOOL_PLACE
    columns = [
        Column[Person]("Surname", lambda p: p.last_name),
        Column[Person]("First name", lambda p: p.first_name),
        Column[Person]("Preferred name", lambda p: p.preferred_name),
        Column[Person]("Type", lambda p: p.get_person_type_display()),
        Column[Person](
            "Year group",
            shown(place, lambda p: p.get_year_group_display() if p.year_group is not None else ""),
        ),
        Column[Person]("Form", shown(place, lambda p: p.form)),
        Column[Person]("Job title", shown(place, lambda p: p.job_title)),
        Column[Person]("Organisation", shown(place, lambda p: p.organisation)),
        Column[Person]("MIS id", shown(Detail.MIS_ID, lambda p: p.mis_id)),
        Column[Person]("Joined", shown(Detail.DATES, lambda p: p.joining_date)),
        Column[Person]("Leaving", shown(Detail.DATES, lambda p: p.leaving_date)),
        Column[Person]("Status", lambda p: p.get_status_display()),
    ]
    return export_response(
        request,
        fmt=fmt,
        school=school,
        name="people",
        title=f"People at {school.name}",
        rows=people,
        columns=columns,
        filters=filters_described(form),
    )
