"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.core.roles import Role
from warden.incidents.models import (
    ChronologyEntry,
    Evidence,
    Incident,
    IncidentAccess,
    IncidentKind,
    Involvement,
    Part,
    PlaybookStep,
    Sanction,
    SanctionKind,
)
from warden.incidents.services.triage import triage_open
from warden.monitoring.models import Violation
from warden.testing.factories import PersonFactory, UserFactory, member

# The walk's marker (kept in step with test_cross_school_access.MARKER).
MARKER = "Zebedee-Bschool"


def incident_at(
    school: School, *, title: str = MARKER, kind: str = IncidentKind.MISUSE
) -> Incident:
    now = timezone.now()
    number = Incident.objects.filter(school=school).count() + 1
    incident = Incident.objects.create(
        school=school,
        number=number,
        kind=kind,
        title=title,
        description=f"{MARKER} description",
        occurred_at=now,
        reported_at=now,
    )
    ChronologyEntry.objects.create(
        school=school, incident=incident, at=now, text=f"{MARKER} chronology"
    )
    return incident


def _incident(b: School) -> Any:
    return incident_at(b).pk


def _subject(b: School, incident: Incident) -> Involvement:
    person = PersonFactory.create(school=b, first_name=MARKER, last_name="Subject")
    return Involvement.objects.create(
        school=b, incident=incident, person=person, part=Part.SUBJECT, added_at=timezone.now()
    )


def _involvement(b: School) -> Any:
    return _subject(b, incident_at(b)).pk


def _evidence(b: School) -> Any:
    incident = incident_at(b)
    return Evidence.objects.create(
        school=b,
        incident=incident,
        title=MARKER,
        filename=f"{MARKER}.png",
        size=1,
        sha256="0" * 64,
        path=f"cross-school/{incident.pk}/{MARKER}",
        uploaded_at=timezone.now(),
    ).pk


def _step(b: School) -> Any:
    incident = incident_at(b)
    return PlaybookStep.objects.create(
        school=b, incident=incident, playbook="bullying", code="evidence", position=1, text=MARKER
    ).pk


def _sanction(b: School) -> Any:
    incident = incident_at(b)
    involvement = _subject(b, incident)
    return Sanction.objects.create(
        school=b,
        incident=incident,
        person=involvement.person,
        kind=SanctionKind.VERBAL_WARNING,
        starts_on=timezone.localdate(),
        lapses_on=timezone.localdate() + dt.timedelta(days=365),
        notes=MARKER,
        created_at=timezone.now(),
    ).pk


def _access(b: School) -> Any:
    incident = incident_at(b)
    n = IncidentAccess.objects.count()
    user = UserFactory.create(username=f"b-incident-reader-{n}", first_name=MARKER)
    member(user, b, Role.TEACHER)
    return IncidentAccess.objects.create(
        school=b, incident=incident, user=user, reason=MARKER, added_at=timezone.now()
    ).pk


def violation_at(school: School, *, severity: int = 3, **fields: Any) -> Violation:
    n = Violation.objects.filter(school=school).count()
    values: dict[str, Any] = {
        "engine_id": f"incidents-test-{n}",
        "source_id": "test",
        "offset": n,
        "line_no": n + 1,
        "ts": timezone.now(),
        "username": MARKER,
        "phrase": MARKER,
        "category": "bullying",
        "severity": severity,
        "kind": "keyword",
    }
    values.update(fields)
    violation = Violation.objects.create(school=school, **values)
    triage_open(school=school, violation_ids=[violation.pk])  # as ingestion does
    return violation


def _authorisation(b: School) -> Any:
    from warden.incidents.models import AuthorisationScope, MonitoringAuthorisation
    from warden.people.models import PersonType

    n = MonitoringAuthorisation.objects.count()
    requester = UserFactory.create(username=f"b-auth-requester-{n}", first_name=MARKER)
    member(requester, b, Role.DSL)
    staff = PersonFactory.create(
        school=b, first_name=MARKER, last_name="Staff", person_type=PersonType.TEACHING_STAFF
    )
    today = timezone.localdate()
    return MonitoringAuthorisation.objects.create(
        school=b,
        subject=staff,
        investigator=requester,
        scope=AuthorisationScope.INTERNET,
        reason=MARKER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=14),
        status="approved",
        requested_by=requester,
        requested_at=timezone.now(),
    ).pk


OBJECT_MAKERS: list[tuple[str, Callable[[School], Any]]] = [
    ("authorisation_pk", _authorisation),
    ("incident_pk", _incident),
    ("involvement_pk", _involvement),
    ("evidence_pk", _evidence),
    ("step_pk", _step),
    ("sanction_pk", _sanction),
    ("access_pk", _access),
    # violation_pk: the monitoring area's maker (the violation is its object).
]
