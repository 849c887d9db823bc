"""What the incident log keeps and for how long (``records.retention``), and its legal holds.

Closed incidents are kept by kind, counted from the incident's closing (an open incident
is never due), in the style of the IRMS Information Management Toolkit for Schools:

- Security and data breaches (data breach, security breach or attempt, malware, lost or
  stolen equipment): six years after closing (breach records; Limitation Act 1980).
- Child-welfare kinds (cyberbullying, offensive or inappropriate material, illegal material,
  offensive e-mail): until the youngest pupil involved is 25, i.e. 25 years after their
  date of birth; a pupil whose date of birth is not known counts as 25 years after closing,
  as does an incident with no pupil in it (child protection files, date of birth + 25).
- Misuse (misuse of ICT, filtering failure): one year after the last pupil involved leaves;
  while any pupil involved has not left, or when no pupil is involved, three years after
  closing (pupil behaviour and e-safety logs).

A school changes the period of each group on the retention page; the three-year fallback
of misuse stays as it is.

Removal deletes the incident with everything that hangs off it: its people, chronology,
playbook steps, sanctions, access list and evidence (rows now, files on disk once the run
commits). Its violations stay under their own rule. An incident another record still
relies on (the data breach log's record of it) is skipped and stays; so is one with a
sanction still in force.

Holds are by person: an incident stays while anyone involved is held (an open subject
access request, an open incident), and while it is open each of its people is held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from warden.core.models import School
from warden.incidents.models import (
    ChronologyEntry,
    Evidence,
    Incident,
    IncidentKind,
    IncidentStatus,
    Involvement,
    Sanction,
    SanctionState,
)
from warden.incidents.services.evidence import evidence_root
from warden.people.models import PersonType
from warden.records.retention import (
    Candidate,
    Found,
    HeldBack,
    Hold,
    Holds,
    RecordType,
    Rule,
    months_after,
)

BREACHES = (
    IncidentKind.DATA_BREACH,
    IncidentKind.SECURITY_BREACH,
    IncidentKind.MALWARE,
    IncidentKind.LOST_EQUIPMENT,
)
WELFARE = (
    IncidentKind.CYBERBULLYING,
    IncidentKind.OFFENSIVE_MATERIAL,
    IncidentKind.ILLEGAL_MATERIAL,
    IncidentKind.OFFENSIVE_EMAIL,
)
MISUSE = (IncidentKind.MISUSE, IncidentKind.FILTERING_FAILURE)
MISUSE_NOT_LEFT_MONTHS = 36

# When a closed incident passes its rule: (incident, its pupils, rule, today) -> the first
# day it is due.
DueOn = Callable[[Incident, list[Involvement], Rule, dt.date], dt.date]


def _closed_on(incident: Incident) -> dt.date:
    assert incident.closed_at is not None  # only closed incidents are read
    return timezone.localdate(incident.closed_at)


def _after_closing(
    incident: Incident, pupils: list[Involvement], rule: Rule, today: dt.date
) -> dt.date:
    return months_after(_closed_on(incident), rule.months)


def _youngest_is_25(
    incident: Incident, pupils: list[Involvement], rule: Rule, today: dt.date
) -> dt.date:
    closed = _closed_on(incident)
    if not pupils:
        return months_after(closed, rule.months)
    return max(months_after(part.person.date_of_birth or closed, rule.months) for part in pupils)


def _last_pupil_left(
    incident: Incident, pupils: list[Involvement], rule: Rule, today: dt.date
) -> dt.date:
    closed = _closed_on(incident)
    left = [part.person.leaving_date for part in pupils]
    if not pupils or any(day is None or day > today for day in left):
        return months_after(closed, MISUSE_NOT_LEFT_MONTHS)
    return max(closed, months_after(max(day for day in left if day), rule.months))


def _closed(school: School, kinds: Iterable[str]) -> QuerySet[Incident]:
    in_force = Sanction.objects.filter(incident=OuterRef("pk"), state=SanctionState.ACTIVE)
    return (
        Incident.objects.filter(school=school, kind__in=list(kinds), status=IncidentStatus.CLOSED)
        .exclude(closed_at__isnull=True)
        .exclude(Exists(in_force))
        .prefetch_related(
            Prefetch(
                "involvements",
                queryset=Involvement.objects.filter(school=school).select_related("person"),
            )
        )
        .order_by("closed_at", "pk")
    )


def _past(
    school: School, now: dt.datetime, rule: Rule, kinds: Iterable[str], due_on: DueOn
) -> list[Incident]:
    today = timezone.localdate(now)
    found = []
    for incident in _closed(school, kinds):
        parts = list(incident.involvements.all())
        pupils = [part for part in parts if part.person.person_type == PersonType.PUPIL]
        if due_on(incident, pupils, rule, today) <= today:
            found.append(incident)
    return found


def _held_by(incident: Incident, holds: Holds) -> list[int]:
    return sorted({part.person_id for part in incident.involvements.all()} & holds.person_ids)


def _describe(incident: Incident) -> str:
    return (
        f"{incident.reference} {incident.get_kind_display()}, "
        f"closed on {_closed_on(incident):%d/%m/%Y}"
    )


def _remove_files(paths: Sequence[str]) -> None:
    root = evidence_root()

    def unlink() -> None:
        for relative in paths:
            (root / Path(relative)).unlink(missing_ok=True)

    if paths:
        transaction.on_commit(unlink)


def incident_remove(incident: Incident) -> list[str]:
    """Delete ``incident`` and everything that hangs off it; returns its evidence files'
    paths (relative to the evidence store) for the caller to remove after commit. Raises
    ``ProtectedError`` when another record still relies on it."""
    evidence = Evidence.objects.filter(school=incident.school_id, incident=incident)
    paths = list(evidence.values_list("path", flat=True))
    # A new version protects the one it supersedes: remove the newest versions first.
    while evidence.exists():
        removed, _ = evidence.filter(superseded_by__isnull=True).remove_for_retention()
        if not removed:  # a version of another incident's evidence refers to this one
            raise ProtectedError("Evidence of another incident refers to it.", set())
    ChronologyEntry.objects.filter(
        school=incident.school_id, incident=incident
    ).remove_for_retention()
    Sanction.objects.filter(school=incident.school_id, incident=incident).delete()
    # Involvements, playbook steps and the access list go with it (CASCADE).
    incident.delete()
    return paths


def _record_type(
    key: str, label: str, kinds: Sequence[str], default: Rule, due_on: DueOn, order: int
) -> RecordType:
    def due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
        found, held = [], []
        for incident in _past(school, now, rule, kinds, due_on):
            holding = _held_by(incident, holds)
            if holding:
                reason = "; ".join(dict.fromkeys(holds.why(pk) for pk in holding))
                held.append(HeldBack(_describe(incident), reason))
            else:
                found.append(Candidate(str(incident.pk), _describe(incident)))
        return Found(found, held)

    def remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
        wanted = {int(key) for key in keys if key.isdigit()}
        removed, files = 0, []
        for incident in _past(school, timezone.now(), rule, kinds, due_on):
            if incident.pk not in wanted or _held_by(incident, holds):
                continue
            try:
                with transaction.atomic():
                    files += incident_remove(incident)
            except ProtectedError:
                continue  # another record (the data breach log) still relies on it
            removed += 1
        _remove_files(files)
        return removed

    return RecordType(key=key, label=label, default=default, due=due, remove=remove, order=order)


RECORD_TYPES = [
    _record_type(
        "incidents.breaches",
        "Incidents: security and data breaches",
        BREACHES,
        Rule(
            72,
            "the incident was closed",
            basis="IRMS Information Management Toolkit for Schools: information security "
            "and data breach records, six years (Limitation Act 1980).",
        ),
        _after_closing,
        order=50,
    ),
    _record_type(
        "incidents.welfare",
        "Incidents: cyberbullying, inappropriate or illegal material, offensive e-mail",
        WELFARE,
        Rule(
            300,
            "the birth of the youngest pupil involved (counted from the incident's closing "
            "when a pupil's date of birth is not known or no pupil is involved)",
            basis="IRMS Information Management Toolkit for Schools: child protection and "
            "welfare records, until the child's 25th birthday.",
        ),
        _youngest_is_25,
        order=51,
    ),
    _record_type(
        "incidents.misuse",
        "Incidents: misuse of ICT and filtering failures",
        MISUSE,
        Rule(
            12,
            "the last pupil involved leaves (while any pupil involved is still at the "
            "school, or when no pupil is involved: 3 years after the incident was closed "
            "instead)",
            basis="IRMS Information Management Toolkit for Schools: pupil behaviour and "
            "e-safety logs, one year after the pupil leaves.",
        ),
        _last_pupil_left,
        order=52,
    ),
]


def open_incidents(school: School) -> Iterable[Hold]:
    """While an incident is open, every record of each person involved in it stays,
    whatever its retention rule."""
    parts = (
        Involvement.objects.filter(school=school)
        .exclude(incident__status=IncidentStatus.CLOSED)
        .select_related("incident")
        .order_by("incident__number")
    )
    for part in parts:
        yield Hold(part.person_id, f"open incident {part.incident.reference}")


HOLDS = [open_incidents]
