"""Reads of the monitoring half that pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from warden.core.models import School
from warden.engine.categories import proposed_route
from warden.engine.keywords import normalise_phrase
from warden.monitoring.models.monitoring import (
    IngestCheckpoint,
    IpLease,
    Keyword,
    KeywordExclusion,
    Violation,
)
from warden.people.models import Person

VIOLATION_SORTS = {
    "-ts": ("-ts", "-pk"),
    "ts": ("ts", "pk"),
    "-severity": ("-severity", "-ts", "-pk"),
    "category": ("category", "-ts", "-pk"),
}


@dataclass(frozen=True)
class ViolationFilter:
    min_severity: int | None = None
    category: str = ""
    person: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    sort: str = "-ts"


def _school_day_start(school: School, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(school.timezone or "UTC"))


def violations_list(school: School, f: ViolationFilter) -> QuerySet[Violation]:
    rows = Violation.objects.filter(school=school).select_related("person")
    if f.min_severity:
        rows = rows.filter(severity__gte=f.min_severity)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.person:
        rows = rows.filter(person_id=f.person)
    if f.date_from:
        rows = rows.filter(ts__gte=_school_day_start(school, f.date_from))
    if f.date_to:
        rows = rows.filter(ts__lt=_school_day_start(school, f.date_to + dt.timedelta(days=1)))
    for word in f.q.split():
        rows = rows.filter(
            Q(phrase__icontains=word)
            | Q(search_term__icontains=word)
            | Q(username__iexact=word)
            | Q(host__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(person__first_name__icontains=word)
        )
    return rows.order_by(*VIOLATION_SORTS.get(f.sort, VIOLATION_SORTS["-ts"]))


def violation_categories(school: School) -> list[str]:
    return list(
        Violation.objects.filter(school=school)
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")
    )


def violations_by_severity(school: School, *, hours: int = 24) -> list[tuple[int, int]]:
    """``[(severity, count)]`` for the last ``hours``, highest severity first, all five."""
    since = timezone.now() - dt.timedelta(hours=hours)
    counts = dict(
        Violation.objects.filter(school=school, ts__gte=since)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .values_list("severity", "n")
    )
    return [(severity, counts.get(severity, 0)) for severity in range(5, 0, -1)]


def violations_for_person(person: Person, *, limit: int = 10) -> list[Violation]:
    return list(Violation.objects.filter(school_id=person.school_id, person=person)[:limit])


@dataclass(frozen=True)
class KeywordFilter:
    q: str = ""
    category: str = ""
    severity: int | None = None
    source: str = ""
    active: bool | None = None


def keyword_list(school: School, f: KeywordFilter) -> QuerySet[Keyword]:
    rows = Keyword.objects.filter(school=school)
    if f.q:
        rows = rows.filter(Q(text__icontains=f.q) | Q(normalised__icontains=f.q))
    if f.category:
        rows = rows.filter(category=f.category)
    if f.severity:
        rows = rows.filter(severity=f.severity)
    if f.source:
        rows = rows.filter(source=f.source)
    if f.active is not None:
        rows = rows.filter(active=f.active)
    return rows.order_by("-severity", "category", "normalised", "pk")


def keyword_categories(school: School) -> list[str]:
    return list(
        Keyword.objects.filter(school=school)
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")
    )


def exclusion_list(school: School) -> QuerySet[KeywordExclusion]:
    return KeywordExclusion.objects.filter(school=school).select_related("created_by")


def lease_list(school: School, q: str = "") -> QuerySet[IpLease]:
    rows = IpLease.objects.filter(school=school).select_related("person")
    if q:
        rows = rows.filter(
            Q(ip=q) if _looks_like_ip(q) else Q(identifier__icontains=q) | Q(device__icontains=q)
        )
    return rows.order_by("-start", "ip")


def _looks_like_ip(text: str) -> bool:
    return all(part.isdigit() for part in text.split(".")) and text.count(".") == 3


STREAM_KEY_PREFIX = "nats:"
"""How the keys of chunks ingested from the log stream begin (``jetstream.chunk_key``)."""


def ingest_sources(school: School) -> QuerySet[IngestCheckpoint]:
    """Files and receivers ingested, latest first; the stream's one-per-chunk markers are
    summed up by :func:`streamed_sources` instead."""
    return (
        IngestCheckpoint.objects.filter(school=school)
        .exclude(source_key__startswith=STREAM_KEY_PREFIX)
        .order_by("-updated_at")
    )


def streamed_sources(school: School) -> QuerySet[Any, dict[str, Any]]:
    """One row per source published to the log stream: its format, ``chunks`` ingested,
    the ``last_line`` reached, ``malformed`` lines and when the ``latest`` chunk came."""
    return (
        IngestCheckpoint.objects.filter(school=school, source_key__startswith=STREAM_KEY_PREFIX)
        .values("source_id", "log_format")
        .annotate(
            chunks=Count("pk"),
            last_line=Max("line_no"),
            malformed_lines=Sum("malformed"),
            latest=Max("updated_at"),
        )
        .order_by("-latest")
    )


def proposed_routes(violations: list[Violation]) -> dict[int, str]:
    """``{violation pk: "welfare" | "breach"}``: the route each violation proposes.

    A keyword violation follows its phrase's own route when the library sets one, otherwise
    its category's (``warden.engine.categories.proposed_route``). One query for the lot.
    """
    wanted = {(v.school_id, v.category, normalise_phrase(v.phrase)) for v in violations if v.phrase}
    overrides: dict[tuple[int, str, str], str] = {}
    if wanted:
        condition = Q()
        for school_id, category, normalised in wanted:
            condition |= Q(school_id=school_id, category=category, normalised=normalised)
        overrides = {
            (school_id, category, normalised): route
            for school_id, category, normalised, route in Keyword.objects.filter(condition)
            .exclude(route="")
            .values_list("school_id", "category", "normalised", "route")
        }
    return {
        v.pk: overrides.get((v.school_id, v.category, normalise_phrase(v.phrase)))
        or proposed_route(v.category)
        for v in violations
    }
