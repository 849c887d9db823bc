"""The violations list as CSV or XLSX: the page's rows, filters and access.

A violation names a child and what they searched for: the file is as sensitive as the page,
so only the roles that may open the page may download it, and each download is audited.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from warden.core.access import request_school, require_perm
from warden.core.exports import export_response, filters_described
from warden.core.roles import Perm
from warden.lib.exports import Column
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models import Violation
from warden.monitoring.selectors.monitoring import violations_list
from warden.monitoring.views.monitoring import violation_filters

VIOLATION_COLUMNS: list[Column[Violation]] = [
    Column("Time", lambda v: v.ts),
    Column("Severity", lambda v: v.severity),
    Column("Who", lambda v: v.who),
    Column("Category", lambda v: category_label(v.category)),
    Column("Matched phrase", lambda v: v.phrase or v.get_kind_display()),
    Column("Site", lambda v: v.host),
]


@login_required
@require_GET
def violation_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_VIEW, school)
    form, filters = violation_filters(request, school)
    return export_response(
        request,
        fmt=fmt,
        school=school,
        name="violations",
        title=f"Violations at {school.name}",
        rows=violations_list(school, filters),
        columns=VIOLATION_COLUMNS,
        filters=filters_described(form),
    )
