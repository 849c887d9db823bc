"""The e-safety incidents a person is involved in, for their subject access bundle.

Other people involved are never named: each is written as "[another pupil]" or "[another
person]", in the incident's title, description, outcome notes and chronology too
(``records.bundle.redact``). Staff acting in their role are not third parties here and
the chronology does not name its writers at all.
"""

from __future__ import annotations

from collections import defaultdict

from warden.incidents.models import ChronologyEntry, Incident, Involvement, Sanction
from warden.people.models import Person
from warden.records.bundle import SubjectSection, redact, third_party_label


def _incidents(person: Person) -> tuple[list[Incident], dict[int, list[Involvement]]]:
    ids = Involvement.objects.filter(person=person).values("incident_id")
    incidents = list(Incident.objects.filter(pk__in=ids).order_by("occurred_at", "pk"))
    parts: dict[int, list[Involvement]] = defaultdict(list)
    for part in Involvement.objects.filter(incident__in=incidents).select_related("person"):
        parts[part.incident_id].append(part)
    return incidents, parts


def incidents(person: Person) -> SubjectSection:
    found, parts = _incidents(person)
    rows = []
    for incident in found:
        involved = parts[incident.pk]
        people = [part.person for part in involved]
        mine = ", ".join(p.get_part_display() for p in involved if p.person_id == person.pk)
        others = ", ".join(
            f"{third_party_label(p.person, person)} ({p.get_part_display()})"
            for p in involved
            if p.person_id != person.pk
        )
        rows.append(
            [
                incident.reference,
                incident.get_kind_display(),
                redact(incident.title, people, person),
                incident.occurred_at,
                mine,
                others,
                redact(incident.description, people, person),
                incident.get_severity_display(),
                incident.get_status_display(),
                incident.get_outcome_display(),
                redact(incident.outcome_notes, people, person),
            ]
        )
    return SubjectSection(
        key="incidents",
        title="E-safety incidents you are involved in",
        columns=[
            "Reference",
            "Kind",
            "Title",
            "When",
            "Your part",
            "Others involved",
            "What happened",
            "Severity",
            "Status",
            "Outcome",
            "Outcome notes",
        ],
        rows=rows,
        notes=[
            "Other people involved are not named: they are shown as [another pupil] or "
            "[another person]."
        ],
        order=50,
    )


def chronology(person: Person) -> SubjectSection:
    found, parts = _incidents(person)
    people = {incident.pk: [p.person for p in parts[incident.pk]] for incident in found}
    by_pk = {incident.pk: incident for incident in found}
    rows = [
        [
            by_pk[line.incident_id].reference,
            line.at,
            line.get_kind_display(),
            redact(line.text, people[line.incident_id], person),
        ]
        for line in ChronologyEntry.objects.filter(incident__in=found).order_by("at", "pk")
    ]
    return SubjectSection(
        key="incident_chronology",
        title="E-safety incidents: what was recorded and done",
        columns=["Incident", "When", "Kind", "Entry"],
        rows=rows,
        notes=["Names of other people involved are shown as [another pupil] or [another person]."],
        order=51,
    )


def sanctions(person: Person) -> SubjectSection:
    rows = [
        [
            sanction.incident.reference,
            sanction.get_kind_display(),
            sanction.starts_on,
            sanction.ends_on,
            sanction.lapses_on,
            sanction.get_state_display(),
            sanction.notes,
        ]
        for sanction in Sanction.objects.filter(person=person)
        .select_related("incident")
        .order_by("starts_on", "pk")
    ]
    return SubjectSection(
        key="sanctions",
        title="Sanctions",
        columns=["Incident", "Sanction", "From", "Until", "Held on record until", "State", "Notes"],
        rows=rows,
        order=52,
    )


SECTIONS = [incidents, chronology, sanctions]
