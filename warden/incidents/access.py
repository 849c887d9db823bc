"""Who may read or handle an incident. Every view fetches incidents through these helpers.

Incidents are confidential (policy duty "Incidents are confidential", docs/policy-map.md:
discussed only with those directly involved). They are open to holders of ``INCIDENTS_VIEW``
(the DSL and deputies, the SIRO, the headteacher) and to the Warden users added to that
incident's access list. Anyone else, including a teacher who reported it, gets 404, so the
answer does not even confirm the incident exists; reporters see their own reports through
``reported_incident_for_user``, without the details of the people in them.

Whoever may read an incident may also add to its record (chronology, evidence, ticking a
playbook step): those are append-only and signed by who did it. Handling it (severity,
sanctions, people, the access list, closing) needs ``INCIDENTS_MANAGE``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from warden.core.access import AnyUser, has_perm, object_for_user, visible_school_ids
from warden.core.confidential import access as confidential
from warden.core.models import School
from warden.core.roles import Perm
from warden.incidents import rules
from warden.incidents.models import (
    Evidence,
    Incident,
    IncidentAccess,
    Involvement,
    PlaybookStep,
    Sanction,
)
from warden.incidents.playbooks import TECHNICAL_STEPS
from warden.monitoring.models import Violation

RECORDS = rules.INCIDENT_RECORDS


def can_read(user: AnyUser, incident: Incident) -> bool:
    return confidential.can_read(user, incident, RECORDS)


def can_manage(user: AnyUser, incident: Incident) -> bool:
    return confidential.can_manage(user, incident, RECORDS)


def incident_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Incident:
    """An incident the user may read (or, with ``write``, handle); 404 or 403 otherwise.

    Reading needs ``INCIDENTS_VIEW`` or a place on the incident's access list; handling
    needs ``INCIDENTS_MANAGE``. Anyone who may not read it gets 404.
    """
    return confidential.record_for_user(
        Incident.objects.select_related("school", "school__trust", "reported_by"),
        user,
        pk,
        kind=RECORDS,
        write=write,
        missing="No such incident.",
    )


def can_work_technical(user: AnyUser, incident: Incident) -> bool:
    return incident.kind in rules.TECHNICAL_KINDS and has_perm(
        user, Perm.INCIDENTS_TECHNICAL, incident.school_id
    )


def technical_incidents_for_user(user: AnyUser, school: School) -> QuerySet[Incident]:
    """The school's malware and security incidents, for the ICT team's technical page."""
    if school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    if not has_perm(user, Perm.INCIDENTS_TECHNICAL, school):
        raise PermissionDenied(
            "The technical part of malware and security incidents is for the ICT manager "
            "and technicians."
        )
    return Incident.objects.filter(school=school, kind__in=sorted(rules.TECHNICAL_KINDS))


def technical_incident_for_user(user: AnyUser, pk: int) -> Incident:
    """A malware or security incident whose technical part the user works; 404 otherwise.

    Only the technical part: the page built on it shows no people, evidence, chronology or
    sanctions (duty "Incidents are confidential").
    """
    incident = Incident.objects.select_related("school", "school__trust").filter(pk=pk).first()
    if incident is None or incident.school_id not in visible_school_ids(user):
        raise Http404("No such incident.")
    if not can_work_technical(user, incident):
        raise Http404("No such incident.")
    return incident


def technical_step_for_user(user: AnyUser, pk: int) -> PlaybookStep:
    """A technical step (``playbooks.TECHNICAL_STEPS``) of an incident the user works."""
    step = PlaybookStep.objects.filter(pk=pk).first()
    if step is None or (step.playbook, step.code) not in TECHNICAL_STEPS:
        raise Http404("No such step.")
    step.incident = technical_incident_for_user(user, step.incident_id)
    return step


def reported_incident_for_user(user: AnyUser, pk: int) -> Incident:
    """An incident the user reported, for the minimal "my reports" view; 404 otherwise."""
    incident = (
        Incident.objects.select_related("school").filter(pk=pk, reported_by_id=user.pk).first()
    )
    if incident is None or not has_perm(user, Perm.INCIDENTS_REPORT, incident.school_id):
        raise Http404("No such report.")
    return incident


def incidents_for_user(user: AnyUser, school: School) -> QuerySet[Incident]:
    """The school's incidents this user may read; 403 for someone who may read none."""
    mine = confidential.records_for_user(Incident.objects.all(), user, school, kind=RECORDS)
    if mine is None:
        raise PermissionDenied(
            "The incident log is confidential to the DSL and deputies, the SIRO and the "
            "headteacher. You can report an incident, and follow your own reports under "
            "“My reports”."
        )
    return mine


def _through_incident(incident_id: int, user: AnyUser, write: bool) -> Incident:
    return incident_for_user(user, incident_id, write=write)


def evidence_for_user(user: AnyUser, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("incident").filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such evidence.")
    evidence.incident = _through_incident(evidence.incident_id, user, False)
    return evidence


def step_for_user(user: AnyUser, pk: int) -> PlaybookStep:
    step = PlaybookStep.objects.filter(pk=pk).first()
    if step is None:
        raise Http404("No such step.")
    step.incident = _through_incident(step.incident_id, user, False)
    return step


def sanction_for_user(user: AnyUser, pk: int) -> Sanction:
    sanction = Sanction.objects.select_related("person").filter(pk=pk).first()
    if sanction is None:
        raise Http404("No such sanction.")
    sanction.incident = _through_incident(sanction.incident_id, user, True)
    return sanction


def involvement_for_user(user: AnyUser, pk: int) -> Involvement:
    involvement = Involvement.objects.select_related("person").filter(pk=pk).first()
    if involvement is None:
        raise Http404("No such person in an incident.")
    involvement.incident = _through_incident(involvement.incident_id, user, True)
    return involvement


def access_entry_for_user(user: AnyUser, pk: int) -> IncidentAccess:
    entry = IncidentAccess.objects.select_related("user").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such access.")
    entry.incident = _through_incident(entry.incident_id, user, True)
    return entry


def violation_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Violation:
    """A monitoring violation to read (``VIOLATIONS_VIEW``) or triage (``VIOLATIONS_TRIAGE``)."""
    perm = Perm.VIOLATIONS_TRIAGE if write else Perm.VIOLATIONS_VIEW
    violation = object_for_user(
        Violation.objects.select_related("school", "school__trust", "person"), user, perm, pk=pk
    )
    if is_own_violation(user, violation):
        # Appendix B point 10: nobody reads or judges their own browsing; the headteacher
        # (or the chair of governors) is told of it instead (``rules.alert_route``).
        raise Http404("No such violation.")
    return violation


def is_own_violation(user: AnyUser, violation: Violation) -> bool:
    person = violation.person
    return person is not None and person.user_id is not None and person.user_id == user.pk
