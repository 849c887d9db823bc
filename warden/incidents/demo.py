"""Demo incidents: a handful per school, of different kinds and severities, with chronology.

Written through the services (so fully audited) with made-up circumstances about the demo
school's own synthetic people. A school that already has any incident is left alone, so a
second run adds nothing. No e-mail is queued.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from warden.core.models import School, User
from warden.equipment.models import Asset, AssetState, AssetType, LossKind
from warden.incidents.models import (
    Incident,
    IncidentKind,
    Outcome,
    Part,
    SanctionKind,
    Severity,
)
from warden.incidents.services.incidents import (
    incident_close,
    incident_note_add,
    incident_report,
    incident_set_severity,
)
from warden.incidents.services.sanctions import sanction_add
from warden.incidents.services.steps import step_complete
from warden.incidents.services.triage import triage_open
from warden.monitoring.models import Violation
from warden.people.models import Person, PersonType


def _at(today: dt.date, days_ago: int, hour: int) -> dt.datetime:
    day = today - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 10)))


def _finish_steps(incident: Incident, actor: Any) -> None:
    for step in incident.steps.filter(done_at__isnull=True):
        step_complete(
            actor=actor,
            step=step,
            note="Done the same day." if step.tell else "",
        )


def load_incidents(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if Incident.objects.filter(school=school).exists():
        return {}
    rng = random.Random(f"{seed}:{school.slug}:incidents")
    # Pupils on roll: an open incident about someone who left long ago would hold their
    # records past every retention rule.
    pupils = list(
        Person.objects.filter(school=school, person_type=PersonType.PUPIL).exclude(
            leaving_date__lt=today
        )[:200]
    )
    staff = list(Person.objects.filter(school=school, person_type=PersonType.TEACHING_STAFF)[:50])
    if len(pupils) < 4 or not staff:
        return {}
    a, b, c, d = rng.sample(pupils, 4)
    teacher = rng.choice(staff)
    dsl = User.objects.filter(memberships__school=school, memberships__role="dsl").first()
    actor: Any = dsl

    def report(kind: str, title: str, text: str, days_ago: int, people: list[Any]) -> Incident:
        return incident_report(
            actor=actor,
            school=school,
            kind=kind,
            title=title,
            description=text,
            occurred_at=_at(today, days_ago, rng.randint(9, 15)),
            people=people,
            notify=False,
        )

    made = 0
    # A minor breach five months ago, closed with a verbal warning...
    first = report(
        IncidentKind.MISUSE,
        "Logged in as a friend",
        "Used a friend's username and password in a computing lesson.",
        150,
        [(c, Part.SUBJECT)],
    )
    incident_set_severity(actor=actor, incident=first, severity=Severity.MINOR)
    sanction_add(
        actor=actor,
        incident=first,
        person=c,
        kind=SanctionKind.VERBAL_WARNING,
        starts_on=today - dt.timedelta(days=148),
        notes="Talked through the acceptable-use agreement with the pupil.",
    )
    _finish_steps(first, actor)
    incident_close(
        actor=actor, incident=first, outcome=Outcome.UPHELD, notes="Verbal warning given."
    )
    made += 1
    # ...and a second one now, which Appendix C proposes as moderate.
    report(
        IncidentKind.MISUSE,
        "Changed another pupil's desktop settings",
        "Reported by the class teacher; the pupil admitted it.",
        6,
        [(c, Part.SUBJECT)],
    )
    made += 1
    bullying = report(
        IncidentKind.CYBERBULLYING,
        "Unkind comments in a class chat",
        "Screenshots shown to the form tutor by the pupil affected.",
        3,
        [(a, Part.SUBJECT), (b, Part.VICTIM), (d, Part.WITNESS)],
    )
    incident_set_severity(actor=actor, incident=bullying, severity=Severity.MODERATE)
    incident_note_add(
        actor=actor,
        incident=bullying,
        text="Spoke with the pupil affected and agreed a trusted adult.",
        kind="action",
    )
    for step in bullying.steps.filter(code__in=["policies", "evidence"]):
        step_complete(actor=actor, step=step)
    made += 1
    # A lost laptop names its asset, so the equipment register records the loss too.
    laptop = (
        Asset.objects.filter(
            school=school, asset_type=AssetType.LAPTOP, state=AssetState.IN_STOCK, encrypted=True
        )
        .order_by("asset_tag")
        .first()
    )
    if laptop is not None:
        lost = incident_report(
            actor=actor,
            school=school,
            kind=IncidentKind.LOST_EQUIPMENT,
            title="Staff laptop left on a train",
            description="Left on the train home and reported the next morning; the laptop "
            "is encrypted and the railway's lost property office has been asked.",
            occurred_at=_at(today, 10, rng.randint(9, 15)),
            people=[(teacher, Part.SUBJECT)],
            asset_tag=laptop.asset_tag,
            loss_kind=LossKind.LOST,
            notify=False,
        )
        incident_set_severity(actor=actor, incident=lost, severity=Severity.MINOR)
        made += 1
    malware = report(
        IncidentKind.MALWARE,
        "Pop-up warning on a classroom PC",
        "The technician disconnected the PC and scanned it.",
        20,
        [],
    )
    _finish_steps(malware, actor)
    incident_close(
        actor=actor,
        incident=malware,
        outcome=Outcome.NO_FURTHER_ACTION,
        notes="Adware removed; no data affected.",
    )
    made += 1
    report(
        IncidentKind.FILTERING_FAILURE,
        "Gaming site reachable from the library",
        "A pupil reported a site that should be blocked.",
        1,
        [(d, Part.REPORTER)],
    )
    made += 1
    return {"e-safety incidents": made}


def load_triage(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    """Open triage for the demo's violations, as ingestion does for the ones it stores."""
    waiting = list(
        Violation.objects.filter(school=school, triage__isnull=True).values_list("pk", flat=True)
    )
    if not waiting:
        return {}
    return {"violations to triage": triage_open(school=school, violation_ids=waiting)}


LOADERS = [load_triage, load_incidents]
