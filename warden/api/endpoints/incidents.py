"""E-safety incidents: a system reports one; the DSL's safeguarding system reads the log."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import IncidentCreated, IncidentIn, IncidentOut
from warden.core.roles import Perm
from warden.incidents.access import incident_for_user, incidents_for_user
from warden.incidents.models import Incident
from warden.incidents.selectors import IncidentFilter, incident_list
from warden.incidents.services.incidents import incident_report
from warden.people.access import person_for_user

router = Router(tags=["Incidents"])


def incident_out(incident: Incident) -> dict[str, Any]:
    row = {name: getattr(incident, name, None) for name in IncidentOut.model_fields}
    row.update(
        id=incident.pk,
        people=[
            {"person_id": i.person_id, "person": str(i.person), "part": i.part}
            for i in incident.involvements.all()
        ],
    )
    return row


@router.post("", response={200: IncidentCreated, **REFUSALS}, operation_id="incidents_report")
def report(request: HttpRequest, body: IncidentIn) -> dict[str, Any]:
    """Report an incident; the SIRO, DSL and headteacher are told at once, as for a report
    made on the page. People are named by their ids on this school's register, which
    needs the "Read people" scope as well."""
    principal = caller(request)
    school = caller_school(principal, Perm.INCIDENTS_REPORT)
    # Naming people asks what the register page asks: the token reads people too.
    people = [(person_for_user(principal, p.person_id), p.part) for p in body.people]
    incident = incident_report(
        actor=None,
        school=school,
        kind=body.kind,
        title=body.title,
        description=body.description,
        occurred_at=body.occurred_at,
        people=people,
        asset_tag=body.asset_tag,
        loss_kind=body.loss_kind,
    )
    return {
        "id": incident.pk,
        "number": incident.number,
        "kind": incident.kind,
        "status": incident.status,
        "reported_at": incident.reported_at,
    }


class IncidentQuery(Schema):
    kind: str = ""
    status: str = ""
    severity: str = ""
    q: str = ""


@router.get("", response={200: list[IncidentOut], **REFUSALS}, operation_id="incidents_list")
@paginate(Paged)
def list_incidents(request: HttpRequest, filters: Query[IncidentQuery]) -> Shaped:
    """The incident log (confidential: a token needs the incident-log scope), newest first."""
    principal = caller(request)
    school = caller_school(principal, Perm.INCIDENTS_VIEW)
    rows = incident_list(incidents_for_user(principal, school), IncidentFilter(**filters.dict()))
    return Shaped(rows, incident_out)


@router.get(
    "/{int:incident_pk}", response={200: IncidentOut, **REFUSALS}, operation_id="incidents_get"
)
def get_incident(request: HttpRequest, incident_pk: int) -> dict[str, Any]:
    """One incident with the people in it."""
    caller_school(caller(request), Perm.INCIDENTS_VIEW)
    return incident_out(incident_for_user(caller(request), incident_pk))
