"""Reads several consent pages share: the school's forms, pupils on roll, coverage."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from warden.consent.models import ConsentDecision, Purpose, PurposeVersion
from warden.consent.rules import PupilConsent, State, consent_states
from warden.core.models import School
from warden.people.models import Guardianship, Person, PersonType, Status

# How long the home panel's figures may be reused while nothing they depend on has changed:
# what changes with time alone (a yes that lapses, a pupil who turns 13) shows within it.
COVERAGE_REUSE_SECONDS = 600


def pupils_on_roll(school: School) -> QuerySet[Person]:
    return (
        Person.objects.filter(school=school, person_type=PersonType.PUPIL)
        .with_status(timezone.localdate())
        .exclude(**{"current_status": Status.LEFT})
    )


def school_forms(school: School) -> list[str]:
    """The forms (classes) pupils on roll are in, for a class picker (no one's name)."""
    found = pupils_on_roll(school).exclude(form="").values_list("form", flat=True)
    return sorted(set(found))


def purposes_of(school: School) -> list[Purpose]:
    return list(Purpose.objects.filter(school=school))


@dataclass
class Row:
    pupil: Person
    consent: PupilConsent


def refused_rows(school: School, purpose: Purpose, pupils: list[Person]) -> list[Row]:
    """The pupils of ``pupils`` who may not appear for ``purpose``, with why, by name."""
    states = consent_states(school, purpose, [p.pk for p in pupils])
    rows = [Row(p, states[p.pk]) for p in pupils if not states[p.pk].may_appear]
    return sorted(rows, key=lambda r: (r.pupil.form, r.pupil.last_name, r.pupil.first_name))


def coverage(school: School) -> list[dict[str, object]]:
    """For each purpose, and each year group in it, how many pupils on roll are granted,
    waiting and refused: figures only."""
    pupils = list(pupils_on_roll(school).only("pk", "year_group"))
    year_of = {p.pk: p.year_group for p in pupils}
    rows: list[dict[str, object]] = []
    for purpose in purposes_of(school):
        counts: dict[int | None, Counter[str]] = {}
        for pk, found in consent_states(school, purpose, list(year_of)).items():
            counts.setdefault(year_of[pk], Counter())[found.state] += 1
        total: Counter[str] = sum(counts.values(), Counter())
        years = [
            {"year_group": year, **{s: c[s] for s in State.values}, "pupils": c.total()}
            for year, c in sorted(counts.items(), key=lambda i: (i[0] is None, i[0] or 0))
        ]
        rows.append(
            {
                "purpose": purpose,
                "years": years,
                "totals": {s: total[s] for s in State.values},
                "pupils": total.total(),
            }
        )
    return rows


def _coverage_version(school: School) -> str:
    """What the figures of ``coverage`` are worked out from, in a few indexed aggregates:
    a person added or changed, a parent gaining or losing responsibility, a decision added
    or removed, a text published, or a purpose asking differently gives a new value. (A
    link sent changes no figure: it only says who was asked.)"""
    people = Person.objects.filter(school=school).aggregate(n=Count("pk"), at=Max("updated_at"))
    responsible = Q(parental_responsibility=True)
    links = Guardianship.objects.filter(school=school).aggregate(
        n=Count("pk", filter=responsible), ids=Sum("pk", filter=responsible)
    )
    decided = ConsentDecision.objects.filter(school=school).aggregate(n=Count("pk"), last=Max("pk"))
    texts = PurposeVersion.objects.filter(school=school).aggregate(
        at=Max("published_at"), last=Max("pk")
    )
    asks = Purpose.objects.filter(school=school).values_list(
        "pk", "asks", "pupil_from_age", "lasts_years"
    )
    return ":".join(
        str(value)
        for value in (
            people["n"],
            people["at"],
            links["n"],
            links["ids"],
            decided["n"],
            decided["last"],
            texts["at"],
            texts["last"],
            list(asks),
            timezone.localdate(),
        )
    )


def coverage_totals(school: School) -> list[dict[str, object]]:
    """``coverage`` for a home panel: worked out once and reused while the data behind it
    is unchanged (a secondary school's every pupil and purpose takes a second or more; a
    home page is opened many times a day). Figures only."""
    version = hashlib.sha256(_coverage_version(school).encode()).hexdigest()
    key = f"consent-coverage:{school.pk}:{version}"
    found = cache.get(key)
    if found is None:
        found = [
            {"purpose_pk": row["purpose"].pk, "totals": row["totals"], "pupils": row["pupils"]}  # type: ignore[attr-defined]
            for row in coverage(school)
        ]
        cache.set(key, found, COVERAGE_REUSE_SECONDS)
    purposes = {p.pk: p for p in purposes_of(school)}
    return [
        {**row, "purpose": purposes[row["purpose_pk"]]}
        for row in found
        if row["purpose_pk"] in purposes
    ]
