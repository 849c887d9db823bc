"""The retention interface: each area says which records it keeps, for how long, and how
they go.

An area offers, in ``<app>/retention.py``::

    RECORD_TYPES: list[RecordType]   # what it keeps and how it removes it
    HOLDS: list[Callable[[School], Iterable[Hold]]]   # people whose records must stay

gathered with ``core.registry.collect("retention", ...)``, so records imports no area.

A :class:`RecordType` has a ``key`` unique across areas, a ``label``, and a default
:class:`Rule` in the style of the IRMS Information Management Toolkit for Schools (a
school may change the period on the retention page). Its two functions:

- ``due(school, now, rule, holds)`` lists what is past the rule at ``now`` as
  :class:`Candidate` items, and what it would have listed but keeps because of a legal
  hold as :class:`HeldBack` items, with the hold's reason. It must not write anything.
- ``remove(school, keys, rule, holds)`` deletes or anonymises the candidates with those
  keys that are still due and still not held (the holds are read again when a run is
  approved), and returns how many it removed. It runs inside the run's transaction; files
  (Parquet partitions) are changed last, after every database row, so an error before
  leaves the files whole.

A :class:`Hold` says "keep every record of this person" with a reason a person reads ("an
open subject access request", "open incident INC-12"). Records holds its open SARs'
subjects; the incident log holds the people of its open incidents. Holds are by person: a
record about nobody in particular (an archive day) keeps the rows of the held people and
loses the rest.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from warden.core.models import School
from warden.core.registry import collect, collect_unique

__all__ = [
    "Candidate",
    "HeldBack",
    "Hold",
    "Holds",
    "RecordType",
    "Rule",
    "holds_for",
    "months_before",
    "record_types",
]

Action = Literal["delete", "anonymise"]


@dataclass(frozen=True)
class Rule:
    """How long one record type is kept: ``months`` after the moment ``after`` names, then
    deleted or anonymised. ``basis`` is the guidance the default comes from, shown on the
    retention page beside the rule."""

    months: int
    after: str
    action: Action = "delete"
    basis: str = ""

    def describe(self) -> str:
        years, months = divmod(self.months, 12)
        if years and not months:
            span = f"{years} year{'s' if years != 1 else ''}"
        elif years:
            span = f"{years} year{'s' if years != 1 else ''} {months} months"
        else:
            span = f"{months} month{'s' if months != 1 else ''}"
        verb = "deleted" if self.action == "delete" else "anonymised"
        return f"Kept {span} after {self.after}, then {verb}."


@dataclass(frozen=True)
class Hold:
    """Keep every record of ``person_id``, because of ``reason``."""

    person_id: int
    reason: str


@dataclass(frozen=True)
class Holds:
    """The legal holds at one school at one moment, by person."""

    reasons: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def __contains__(self, person_id: object) -> bool:
        return person_id in self.reasons

    def why(self, person_id: int) -> str:
        return "; ".join(self.reasons.get(person_id, ()))

    @property
    def person_ids(self) -> frozenset[int]:
        return frozenset(self.reasons)


@dataclass(frozen=True)
class Candidate:
    """One thing past its rule: ``key`` identifies it within its record type (a row's id,
    an archive day), ``description`` says what it is, ``count`` how many records it
    stands for (an archive day's rows)."""

    key: str
    description: str
    count: int = 1


@dataclass(frozen=True)
class HeldBack:
    """One thing past its rule that a hold keeps, and why."""

    description: str
    reason: str
    count: int = 1


@dataclass(frozen=True)
class Found:
    due: Sequence[Candidate] = ()
    held: Sequence[HeldBack] = ()


@dataclass(frozen=True)
class RecordType:
    """A kind of record an area keeps (see the module docstring)."""

    key: str
    label: str
    default: Rule
    due: Callable[[School, dt.datetime, Rule, Holds], Found]
    remove: Callable[[School, Sequence[str], Rule, Holds], int]
    order: int = 100


def record_types() -> dict[str, RecordType]:
    """Every area's record types by key, in the order the retention page lists them."""
    found = collect_unique("retention", "RECORD_TYPES", lambda t: t.key, "The record type")
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[1].label)))


def holds_for(school: School) -> Holds:
    """Every legal hold at ``school`` now, gathered from each area's ``HOLDS``."""
    reasons: dict[int, list[str]] = {}
    for provider in collect("retention", "HOLDS"):
        for hold in provider(school):
            listed = reasons.setdefault(hold.person_id, [])
            if hold.reason not in listed:
                listed.append(hold.reason)
    return Holds({person: tuple(why) for person, why in reasons.items()})


def months_before(moment: dt.datetime | dt.date, months: int) -> dt.date:
    """The calendar date ``months`` before ``moment`` (the month's last day when that month
    is shorter): a record dated on or before it has passed a rule of ``months``."""
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return months_after(day, -months)


def months_after(day: dt.date, months: int) -> dt.date:
    """The calendar date ``months`` after ``day`` (the month's last day when shorter): a
    SAR received on 31 January is due on 28 or 29 February."""
    year, month = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def removable(items: Iterable[Candidate], keys: Sequence[str]) -> list[Candidate]:
    """The candidates among ``items`` whose key was approved (``keys``)."""
    wanted = set(keys)
    return [item for item in items if item.key in wanted]


def _open_requests(school: School) -> Iterable[Hold]:
    """An open subject access request holds everything about its subject until released."""
    from warden.records.models import OPEN_SAR_STATUSES, SubjectAccessRequest

    for pk, person_id in SubjectAccessRequest.objects.filter(
        school=school, status__in=OPEN_SAR_STATUSES
    ).values_list("pk", "person_id"):
        yield Hold(person_id, f"open subject access request SAR-{pk}")


HOLDS = [_open_requests]
