"""Demo consent: the starter purposes published, and a realistic spread of answers.

Most families said yes to everything at admission; some refused the press or social media;
some pupils wait for one parent of two; a few were never asked; and one parent withdrew
the website after saying yes, so the check, the class lists, coverage and the pupil pages
show every state. Adds nothing when run again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from warden.agreements.models import Method, VersionStatus
from warden.consent import services
from warden.consent.models import Answer, ConsentDecision, PurposeVersion
from warden.core.audit import audit_log_many
from warden.core.bulk import bulk_insert
from warden.core.models import School
from warden.people.models import Guardianship, Person, PersonType


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    created = {"consent_purposes": 0, "consent_decisions": 0}
    with transaction.atomic():
        created["consent_purposes"] = services.starter_purposes_install(
            actor=None, school=school, publish=True
        )
        if ConsentDecision.objects.filter(school=school).exists():
            return created
        start = timezone.make_aware(dt.datetime(today.year - (today.month < 9), 9, 1, 9))
        # Published at the start of the school year, when the admission packs went out.
        PurposeVersion.objects.filter(school=school, status=VersionStatus.PUBLISHED).update(
            published_at=start
        )
        created["consent_decisions"] = _answers(school, today, seed, start)
    return created


def _answers(school: School, today: dt.date, seed: int, start: dt.datetime) -> int:
    rng = random.Random(f"consent-{seed}-{school.slug}")
    purposes = services.answerable_purposes(school)
    parents: dict[int, list[Person]] = defaultdict(list)
    links = Guardianship.objects.filter(school=school, parental_responsibility=True)
    for link in links.select_related("parent").order_by("pupil_id", "contact_priority", "pk"):
        parents[link.pupil_id].append(link.parent)
    pupils = Person.objects.filter(school=school, person_type=PersonType.PUPIL, pk__in=parents)
    span = max(1, (timezone.now() - start).days - 2)
    rows: list[ConsentDecision] = []
    withdrawer: tuple[Person, Person] | None = None
    for pupil in pupils.order_by("pk"):
        family = parents[pupil.pk]
        roll = rng.random()
        if roll < 0.06:
            continue  # never asked: joined without the pack going out
        answering = family
        if roll < 0.18 and len(family) > 1:
            answering = family[:1]  # one parent yes, the other not yet
        refuses = roll > 0.88  # some families refuse the press and social media
        for parent in answering:
            at = start + dt.timedelta(days=rng.randrange(span), hours=rng.randrange(9))
            method = rng.choice([Method.LINK, Method.LINK, Method.DESK])
            typed_name = parent.full_name
            for purpose, version in purposes:
                no = refuses and purpose.slug in {"press", "social-media"}
                # Keys rather than objects, quicker to set, except the pupil that each
                # decision's description names.
                rows.append(
                    ConsentDecision(
                        school_id=school.pk,
                        pupil=pupil,
                        purpose_id=purpose.pk,
                        version_id=version.pk,
                        text_sha256=version.sha256,
                        decided_by_id=parent.pk,
                        answer=Answer.NO if no else Answer.YES,
                        typed_name=typed_name,
                        decided_at=at,
                        method=method,
                    )
                )
        if withdrawer is None and answering == family and not refuses:
            withdrawer = (pupil, family[0])
    bulk_insert(ConsentDecision, rows)
    audit_log_many(
        actor=None,
        action="consent_decision.recorded",
        items=[
            (d, {"pupil": d.pupil_id, "purpose": d.purpose_id, "answer": d.answer}) for d in rows
        ],
        school=school,
    )
    if withdrawer is not None:
        # Through the service, as a parent's withdrawal in writing would be: it counts at
        # once and tells the areas that publish images.
        pupil, parent = withdrawer
        services.decisions_record(
            pupil=pupil,
            person=parent,
            answers={"website": Answer.NO},
            given=services.Given(Method.DESK, parent.full_name, note="Letter to the office"),
            confirmed=True,
        )
        return len(rows) + 1
    return len(rows)


LOADERS = [load]
