"""Demo agreements: the starter texts published, and most of the school signed up.

Most staff and pupils have signed since the start of the school year (pupils with a
parent's counter-signature); a few have not, some pupils are still waiting for a parent, so
the "who has signed" pages and the dashboard show every state. Adds nothing when run again.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.db import transaction
from django.utils import timezone

from warden.agreements import services
from warden.agreements.models import (
    Agreement,
    AgreementVersion,
    Method,
    Signature,
    VersionStatus,
)
from warden.agreements.rules import audience_for, renewal_boundary, school_settings
from warden.core.audit import audit_log_many
from warden.core.bulk import bulk_insert
from warden.core.models import School
from warden.people.models import Guardianship, Person, PersonType, Status

# Share of each group that has signed (the rest are due or past grace).
SIGNED_SHARE: dict[str, float] = {
    PersonType.TEACHING_STAFF: 0.9,
    PersonType.SUPPORT_STAFF: 0.85,
    PersonType.SUPPLY_STAFF: 0.6,
    PersonType.PUPIL: 0.85,
    PersonType.PARENT: 0.5,
    PersonType.GOVERNOR: 0.7,
}
COUNTERSIGNED_SHARE = 0.9


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    created: dict[str, int] = {"agreements": 0, "signatures": 0}
    # The demo writes signatures in bulk and moves publication dates: the stored standings
    # are worked out once, at the end.
    with transaction.atomic(), services.standings_refresh_deferred():
        if not Agreement.objects.filter(school=school).exists():
            created["agreements"] = services.starter_agreements_install(
                actor=None, school=school, publish=True
            )
            _backdate_publication(school, today)
        if Signature.objects.filter(school=school).exists():
            return created
        created["signatures"] = _sign(school, today, seed)
        services.standings_refresh(school=school)
    return created


def _start_of_year(school: School, today: dt.date) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(school.timezone or "Europe/London")
    noon = dt.datetime(today.year, today.month, today.day, 12, tzinfo=tz)
    boundary = renewal_boundary(school_settings(school), noon)
    return boundary or noon - dt.timedelta(days=90)


def _backdate_publication(school: School, today: dt.date) -> None:
    # The demo pretends the agreements went out at the start of the school year, so grace
    # periods have run and the pages show people past them. Only the date moves: the text
    # and its hash stay as published.
    start = _start_of_year(school, today)
    AgreementVersion.objects.filter(school=school, status=VersionStatus.PUBLISHED).update(
        published_at=start
    )


def _sign(school: School, today: dt.date, seed: int) -> int:
    rng = random.Random(f"agreements-{seed}-{school.slug}")
    start = _start_of_year(school, today)
    tz = zoneinfo.ZoneInfo(school.timezone or "Europe/London")
    now = dt.datetime(today.year, today.month, today.day, 15, tzinfo=tz)
    span = max(int((now - start).total_seconds()), 3600)
    # Nothing is signed later than the moment the demo is loaded: a signature "from this
    # afternoon" would not count yet, and would confuse the reminders until then.
    cap = timezone.now()
    versions = {
        v.agreement.audience: v
        for v in AgreementVersion.objects.filter(
            school=school, status=VersionStatus.PUBLISHED
        ).select_related("agreement")
    }
    people = list(
        Person.objects.filter(school=school, person_type__in=list(SIGNED_SHARE))
        .with_status(today)
        .exclude(**{"current_status": Status.LEFT})
        .order_by("pk")
    )
    parents: dict[int, list[Person]] = {}
    for link in Guardianship.objects.filter(
        school=school, parental_responsibility=True
    ).select_related("parent"):
        parents.setdefault(link.pupil_id, []).append(link.parent)

    def signature(person: Person, version: AgreementVersion, at: dt.datetime) -> Signature:
        return Signature(
            school=school,
            person=person,
            version=version,
            agreement=version.agreement,
            text_sha256=version.sha256,
            typed_name=person.full_name,
            signed_at=min(at, cap),
            method=rng.choice([Method.LINK, Method.LINK, Method.DESK]),
            ip="192.0.2.10" if rng.random() < 0.5 else None,
            user_agent="Demo browser",
        )

    own: list[Signature] = []
    pupils_signed: list[tuple[Signature, Person]] = []
    for person in people:
        audience = audience_for(person)
        version = versions.get(audience) if audience else None
        if version is None or rng.random() >= SIGNED_SHARE[person.person_type]:
            continue
        at = start + dt.timedelta(seconds=rng.randrange(span))
        sig = signature(person, version, at)
        own.append(sig)
        if person.person_type == PersonType.PUPIL and parents.get(person.pk):
            pupils_signed.append((sig, rng.choice(parents[person.pk])))
    bulk_insert(Signature, own)
    counter: list[Signature] = []
    for pupil_sig, parent in pupils_signed:
        if rng.random() >= COUNTERSIGNED_SHARE:
            continue
        sig = signature(parent, pupil_sig.version, pupil_sig.signed_at + dt.timedelta(hours=20))
        sig.counter_signs = pupil_sig
        counter.append(sig)
    bulk_insert(Signature, counter)
    everything = own + counter
    audit_log_many(
        actor=None,
        action="signature.recorded",
        items=[
            (
                s,
                {
                    "person": [None, s.person_id],
                    "version": [None, s.version_id],
                    "text_sha256": [None, s.text_sha256],
                    "counter_signs": [None, s.counter_signs_id],
                    "method": [None, s.method],
                },
            )
            for s in everything
        ],
        school=school,
    )
    return len(everything)


LOADERS = [load]
