"""Benchmark-only bulk data: a busy secondary school's years of equipment and monitoring.

``warden demo`` gives each school a realistic register (people, accounts, agreements) but
only a handful of assets, violations and incidents. A school that has run Warden for a few
years has far more, and the list pages must cope with it. ``scale_up`` adds, to one school:

* 10,000 assets across 60 rooms (laptops, tablets, Chromebooks, desktops, peripherals);
* 33,000 violations over the last year, one in twelve keyword matches on searches, the
  rest visits to alert categories, spread over the school's pupils and a few staff, with
  their triage opened the way ingestion opens it (monitoring's ``violations_stored``
  signal), then all but the last few days' decided as a school would;
* 520 incidents over three years, each with the people involved, its first chronology
  line and the playbook steps of a demo incident of the same kind.

Rows go in with ``bulk_create`` and are not audited: this is data for measuring pages, not
a record of anything, and it is never part of Warden itself.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from typing import Any

ASSETS = 10_000
VIOLATIONS = 33_000
INCIDENTS = 520
BATCH = 1_000

_ASSET_MODELS = (
    ("laptop", "Dell", "Latitude 3440"),
    ("laptop", "Lenovo", "ThinkPad E14"),
    ("tablet", "Apple", "iPad (10th generation)"),
    ("chromebook", "Acer", "Chromebook Spin 511"),
    ("chromebook", "Lenovo", "300e Chromebook"),
    ("desktop", "HP", "ProDesk 400 G9"),
    ("display", "Epson", "EB-X49"),
    ("camera", "Canon", "PowerShot SX740"),
    ("printer", "Brother", "HL-L5210DN"),
    ("network", "Ubiquiti", "U6 Lite access point"),
    ("removable_media", "SanDisk", "Ultra 64 GB"),
)
_STATES = (("in_stock", 70), ("assigned", 18), ("in_repair", 4), ("written_off", 5), ("lost", 1))

# (category, severity weights 1..5, hosts): visits to alert categories.
_VISITS = (
    ("gambling", (10, 40, 30, 15, 5), ("www.bet365.com", "www.paddypower.com", "casino.example")),
    ("pornography", (5, 20, 40, 25, 10), ("adult-site.example", "xvideos.example")),
    ("weapons", (10, 30, 30, 20, 10), ("knife-shop.example", "airsoft.example")),
    ("drugs", (10, 30, 35, 20, 5), ("weed-shop.example", "vape-deals.example")),
    ("proxies", (30, 40, 20, 8, 2), ("hide.me", "croxyproxy.com", "proxysite.com")),
    ("games", (60, 30, 8, 2, 0), ("poki.com", "coolmathgames.com", "krunker.io")),
)
# (phrase, category, severity): keyword matches on searches.
_SEARCHES = (
    ("how to cut myself", "self-harm", 5),
    ("i want to die", "suicide", 5),
    ("kys", "bullying", 4),
    ("buy weed", "drugs", 3),
    ("how to make a pipe bomb", "weapons", 4),
    ("everyone hates me", "bullying", 3),
    ("fight after school", "violence", 3),
)
_SEARCH_HOSTS = ("www.google.com", "www.google.co.uk", "www.bing.com", "duckduckgo.com")

_INCIDENT_TEXTS = {
    "misuse": ("Used another pupil's sign-in", "Signed in as a classmate in a lesson."),
    "cyberbullying": ("Unkind messages in a group chat", "Screenshots shown to a tutor."),
    "filtering_failure": ("Blocked site reachable", "A pupil reported a site left open."),
    "offensive_material": ("Offensive image shared", "Shown around a classroom on a phone."),
    "malware": ("Pop-up warning on a PC", "The technician disconnected and scanned it."),
    "security_breach": ("Password written on a desk", "Found by a technician at break."),
    "offensive_email": ("Offensive e-mail to a teacher", "Sent from a pupil account."),
    "data_breach": ("Register left on a screen", "Visible to a class for a few minutes."),
}


def _batches(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def scale_up(school: Any, *, seed: int = 16) -> dict[str, int]:
    """Add the bulk data above to ``school``; returns how many of each were added."""
    from django.db import transaction

    rng = random.Random(seed)
    with transaction.atomic():
        added = {"assets": _assets(school, rng), "violations": _violations(school, rng)}
        added |= _incidents(school, rng)
    return added


def _assets(school: Any, rng: random.Random) -> int:
    from warden.equipment.models import Asset, Location

    names = [f"Room {n}" for n in range(1, 57)] + ["Library", "Hall", "ICT store", "Office"]
    have = set(Location.objects.filter(school=school).values_list("name", flat=True))
    Location.objects.bulk_create(
        [Location(school=school, name=name) for name in names if name not in have]
    )
    rooms = list(Location.objects.filter(school=school))
    today = dt.date.today()
    rows = []
    for n in range(ASSETS):
        kind, make, model = _ASSET_MODELS[n % len(_ASSET_MODELS)]
        bought = today - dt.timedelta(days=rng.randrange(60, 6 * 365))
        secure = rng.random() < 0.8
        rows.append(
            Asset(
                school=school,
                asset_tag=f"SC{n + 1:06d}",
                asset_type=kind,
                make=make,
                model=model,
                serial=f"{make[:2].upper()}{rng.randrange(10**9, 10**10)}{n}",
                location=rooms[n % len(rooms)],
                state=_weighted(rng, _STATES),
                purchase_date=bought,
                warranty_until=bought + dt.timedelta(days=3 * 365),
                holds_personal_data=kind not in ("display", "network", "printer"),
                encrypted=secure,
                antivirus=secure,
                mdm_enrolled=secure and kind in ("laptop", "tablet", "chromebook"),
                screen_lock=secure,
                pin_set=secure,
                security_checked_on=bought + dt.timedelta(days=30),
            )
        )
    for batch in _batches(rows):
        Asset.objects.bulk_create(batch)
    return len(rows)


def _violations(school: Any, rng: random.Random) -> int:
    from django.db import transaction
    from django.utils import timezone

    from warden.incidents.models import Triage, TriageState
    from warden.monitoring.models import Violation
    from warden.monitoring.signals import violations_stored
    from warden.people.models import Person, PersonType

    pupils = list(
        Person.objects.filter(school=school, person_type=PersonType.PUPIL)
        .order_by("pk")
        .values_list("pk", "mis_id")
    )
    staff = list(
        Person.objects.filter(school=school, person_type=PersonType.TEACHING_STAFF)
        .order_by("pk")
        .values_list("pk", "mis_id")[:20]
    )
    # Some pupils are seen far more often than others, as in a real school's logs.
    weights = [1.0 / (1 + i % 97) for i in range(len(pupils))]
    now = timezone.now().replace(second=0, microsecond=0)
    rows = []
    for n in range(VIOLATIONS):
        who = rng.choices(pupils, weights=weights)[0] if rng.random() < 0.97 else rng.choice(staff)
        at = now - dt.timedelta(minutes=rng.randrange(5, 365 * 24 * 60))
        common: dict[str, Any] = {
            "school": school,
            "engine_id": f"scale-{school.slug}-{n}",
            "source_id": "scale",
            "offset": n * 180,
            "line_no": n + 1,
            "ts": at,
            "person_id": who[0],
            "username": (who[1] or f"person{who[0]}").lower(),
            "client_ip": f"10.1.{n % 200}.{n % 250 + 2}",
            "decision": "blocked" if rng.random() < 0.7 else "allowed",
        }
        if n % 12 == 0:
            phrase, category, severity = rng.choice(_SEARCHES)
            host = rng.choice(_SEARCH_HOSTS)
            query = phrase.replace(" ", "+")
            rows.append(
                Violation(
                    **common,
                    url=f"https://{host}/search?q={query}",
                    host=host,
                    search_engine=host.split(".")[-2] if host.count(".") > 1 else host,
                    search_term=phrase,
                    phrase=phrase,
                    matched_text=phrase,
                    language="en",
                    category=category,
                    severity=severity,
                    kind="keyword",
                )
            )
        else:
            category, severity_weights, hosts = rng.choice(_VISITS)
            host = rng.choice(hosts)
            severity = rng.choices(range(1, 6), weights=severity_weights)[0]
            rows.append(
                Violation(
                    **common,
                    url=f"https://{host}/{rng.randrange(10**6)}",
                    host=host,
                    category=category,
                    severity=severity,
                    kind="category",
                )
            )
    for batch in _batches(rows):
        with transaction.atomic():
            Violation.objects.bulk_create(batch)
            ids = list(
                Violation.objects.filter(
                    school=school, engine_id__in=[v.engine_id for v in batch]
                ).values_list("pk", flat=True)
            )
            violations_stored.send(sender=type(school), school=school, violation_ids=ids)
    # A school works its queue: everything older than a few days has been decided.
    recent = now - dt.timedelta(days=4)
    open_rows = Triage.objects.filter(school=school, violation__engine_id__startswith="scale-")
    older = open_rows.filter(violation__ts__lt=recent)
    older.filter(violation__severity__gte=3).update(
        state=TriageState.NO_ACTION, decided_at=now, viewed_at=now, reason="Spoken to; no more."
    )
    older.filter(violation__severity__lt=3).update(
        state=TriageState.FALSE_POSITIVE, decided_at=now, viewed_at=now, reason="Not a concern."
    )
    return len(rows)


def _incidents(school: Any, rng: random.Random) -> dict[str, int]:
    from django.db.models import Max
    from django.utils import timezone

    from warden.core.models import User
    from warden.incidents.models import (
        ChronologyEntry,
        Incident,
        IncidentStatus,
        Involvement,
        Outcome,
        Part,
        PlaybookStep,
        Severity,
    )
    from warden.people.models import Person, PersonType

    pupils = list(Person.objects.filter(school=school, person_type=PersonType.PUPIL).order_by("pk"))
    staff = list(
        Person.objects.filter(school=school, person_type=PersonType.TEACHING_STAFF).order_by("pk")
    )
    dsl = User.objects.filter(memberships__school=school, memberships__role="dsl").first()
    # Each kind's playbook steps, copied from a demo incident of the same kind where there is one.
    template_steps: dict[str, list[Any]] = {}
    first_of_kind: dict[str, int] = {}
    for step in (
        PlaybookStep.objects.filter(incident__school=school)
        .select_related("incident")
        .order_by("incident_id", "playbook", "position")
    ):
        kind = step.incident.kind
        if first_of_kind.setdefault(kind, step.incident_id) == step.incident_id:
            template_steps.setdefault(kind, []).append(step)
    number = Incident.objects.filter(school=school).aggregate(n=Max("number"))["n"] or 0
    now = timezone.now()
    kinds = list(_INCIDENT_TEXTS)
    incidents = []
    for n in range(INCIDENTS):
        kind = kinds[n % len(kinds)]
        title, text = _INCIDENT_TEXTS[kind]
        reported = now - dt.timedelta(minutes=rng.randrange(60, 3 * 365 * 24 * 60))
        closed = reported < now - dt.timedelta(days=30) or rng.random() < 0.5
        incidents.append(
            Incident(
                school=school,
                number=number + n + 1,
                kind=kind,
                title=title,
                description=text,
                occurred_at=reported - dt.timedelta(hours=rng.randrange(1, 48)),
                reported_at=reported,
                reported_by=dsl,
                severity=rng.choice(Severity.values),
                severity_set_at=reported,
                severity_set_by=dsl,
                status=IncidentStatus.CLOSED if closed else IncidentStatus.OPEN,
                outcome=rng.choice(Outcome.values) if closed else "",
                closed_at=reported + dt.timedelta(days=rng.randrange(1, 20)) if closed else None,
                closed_by=dsl if closed else None,
            )
        )
    Incident.objects.bulk_create(incidents)
    saved = list(Incident.objects.filter(school=school, number__gt=number).order_by("number"))
    involvements, lines, steps = [], [], []
    for incident in saved:
        people = rng.sample(pupils, rng.randint(1, 3))
        for person, part in zip(people, (Part.SUBJECT, Part.VICTIM, Part.WITNESS), strict=False):
            involvements.append(
                Involvement(
                    school=school,
                    incident=incident,
                    person=person,
                    part=part,
                    added_at=incident.reported_at,
                    added_by=dsl,
                )
            )
        if staff and rng.random() < 0.2:
            involvements.append(
                Involvement(
                    school=school,
                    incident=incident,
                    person=rng.choice(staff),
                    part=Part.REPORTER,
                    added_at=incident.reported_at,
                    added_by=dsl,
                )
            )
        lines.append(
            ChronologyEntry(
                school=school,
                incident=incident,
                at=incident.reported_at,
                by=dsl,
                kind="system",
                text="Reported by the DSL.",
            )
        )
        for step in template_steps.get(incident.kind, []):
            steps.append(
                PlaybookStep(
                    school=school,
                    incident=incident,
                    playbook=step.playbook,
                    code=step.code,
                    position=step.position,
                    text=step.text,
                    tell=step.tell,
                    mandatory=step.mandatory,
                    done_at=incident.closed_at,
                    done_by=dsl if incident.closed_at else None,
                )
            )
    for model, rows in (
        (Involvement, involvements),
        (ChronologyEntry, lines),
        (PlaybookStep, steps),
    ):
        for batch in _batches(rows):
            model.objects.bulk_create(batch)
    return {"incidents": len(saved), "people in incidents": len(involvements)}
