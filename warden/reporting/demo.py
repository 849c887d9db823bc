"""The demo school's own term dates for this school year: the local authority's pattern,
with the autumn term starting two days later for training days, so the term dates page shows
a school's own calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

from warden.core.models import School
from warden.reporting.models import SchoolTerm
from warden.reporting.services import term_calendar_set
from warden.reporting.terms import pattern, school_year_terms

TRAINING_DAYS = 2


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if SchoolTerm.objects.filter(school=school).exists():
        return {}
    start_year = today.year if today.month >= 9 else today.year - 1
    terms = [pattern(key, year) for key, year in school_year_terms(start_year)]
    autumn = terms[0]
    first = autumn.first + dt.timedelta(days=TRAINING_DAYS)
    while first.weekday() > 4:
        first += dt.timedelta(days=1)
    terms[0] = dataclasses.replace(autumn, first=first)
    saved = term_calendar_set(actor=None, school=school, start_year=start_year, terms=terms)
    return {"term dates": len(saved)}


LOADERS = [load]
