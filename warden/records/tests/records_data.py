"""A pupil with a record in every area, and another pupil sharing an incident with them,
for the subject access tests (and the browser journey's server)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from warden.accounts.models import Account, System, SystemKind
from warden.agreements import services as agreements
from warden.agreements.models import Audience, Method
from warden.agreements.testing import published_version
from warden.core.models import School
from warden.equipment.models import Asset, AssetType, Loan
from warden.incidents.models import ChronologyEntry, Incident, IncidentKind, Involvement, Part
from warden.monitoring.models import Violation
from warden.people.models import Person
from warden.safeguarding.models import WelfareConcern
from warden.testing.factories import PupilFactory


@dataclass
class Pupils:
    subject: Person
    other: Person
    incident: Incident


def violation_for(person: Person | None, school: School, n: int, **fields: object) -> Violation:
    values: dict[str, object] = {
        "engine_id": f"records-{school.pk}-{n}",
        "source_id": "test",
        "offset": n,
        "line_no": n + 1,
        "ts": timezone.now(),
        "username": "u",
        "host": "games.example",
        "url": "http://games.example/play",
        "category": "games",
        "severity": 2,
        "kind": "blocked",
    }
    values.update(fields)
    return Violation.objects.create(school=school, person=person, **values)


def pupil_with_records(school: School) -> Pupils:
    subject = PupilFactory.create(school=school, first_name="Ava", last_name="Stone")
    other = PupilFactory.create(school=school, first_name="Noah", last_name="Price")
    system = System.objects.create(school=school, name="Learning platform", kind=SystemKind.SUPPLY)
    Account.objects.create(school=school, person=subject, system=system, username="ava.stone")
    version = published_version(school, Audience.PUPIL_KS3)
    agreements.signature_record(
        actor=None,
        person=subject,
        version=version,
        typed_name="Ava Stone",
        confirmed=True,
        method=Method.DESK,
    )
    asset = Asset.objects.create(
        school=school, asset_tag="LT-001", asset_type=AssetType.LAPTOP, serial="SN1"
    )
    Loan.objects.create(
        school=school,
        asset=asset,
        person=subject,
        checked_out_at=timezone.now(),
        due_on=timezone.localdate() + dt.timedelta(days=7),
        purpose="Homework",
    )
    violation_for(subject, school, 1, search_term="free games")
    now = timezone.now()
    incident = Incident.objects.create(
        school=school,
        number=Incident.objects.filter(school=school).count() + 1,
        kind=IncidentKind.CYBERBULLYING,
        title="Messages between Ava Stone and Noah Price",
        description="Noah Price sent Ava unkind messages; Price later apologised.",
        occurred_at=now,
        reported_at=now,
    )
    for person, part in ((subject, Part.VICTIM), (other, Part.SUBJECT)):
        Involvement.objects.create(
            school=school, incident=incident, person=person, part=part, added_at=now
        )
    ChronologyEntry.objects.create(
        school=school, incident=incident, at=now, text="Spoke to Noah about the messages."
    )
    WelfareConcern.objects.create(
        school=school,
        number=WelfareConcern.objects.filter(school=school).count() + 1,
        person=subject,
        category="self_harm",
        summary="Searches seen",
        seen_at=now,
        raised_at=now,
    )
    return Pupils(subject, other, incident)
