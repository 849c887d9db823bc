"""The incident log as CSV or XLSX, for the DSL and the others the log is open to.

The same access as the page (``incidents_for_user``: the DSL and deputies, the SIRO and
the headteacher, each seeing only what the log shows them) and the same filters. Pupils'
names leave Warden in this file, so every download is audited with its filters and rows.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from warden.core.access import request_school
from warden.core.exports import export_response, filters_described
from warden.incidents import selectors
from warden.incidents.access import incidents_for_user
from warden.incidents.models import Incident
from warden.incidents.views.log import incident_filters
from warden.lib.exports import Column


def _involved(incident: Incident) -> str:
    return "; ".join(f"{i.person} ({i.part})" for i in incident.involvements.all())


INCIDENT_COLUMNS: list[Column[Incident]] = [
    Column("Reference", lambda i: i.reference),
    Column("Kind", lambda i: i.get_kind_display()),
    Column("Title", lambda i: i.title),
    Column("People involved", _involved),
    Column("Severity", lambda i: i.get_severity_display() if i.severity else "Not assessed"),
    Column("Status", lambda i: i.get_status_display()),
    Column("Reported", lambda i: i.reported_at),
]


@login_required
@require_GET
def incident_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    school = request_school(request)
    incidents = incidents_for_user(request.user, school)
    form, filters = incident_filters(request)
    return export_response(
        request,
        fmt=fmt,
        school=school,
        name="incidents",
        title=f"Incident log of {school.name}",
        rows=selectors.incident_list(incidents, filters),
        columns=INCIDENT_COLUMNS,
        filters=filters_described(form),
    )
