"""Reads several consent pages share: the school's forms, pupils on roll, coverage."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from warden.consent.models import Purpose
from warden.consent.rules import PupilConsent, State, consent_states
from warden.core.models import School
from warden.people.models import Person, PersonType, Status


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
