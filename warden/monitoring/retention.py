"""What monitoring keeps and for how long (``records.retention``): violations, and the web
log archive's days.

- Violations: one year after the person leaves (IRMS toolkit for schools: pupil behaviour
  and e-safety logs, one year after the pupil leaves, unless part of a safeguarding or
  incident record). A violation no one is attributed to goes a year after it happened. A
  violation an incident or welfare concern cites stays with that record (any many-to-many
  link to it counts, so this area names none of them). Removing a person's violations
  also removes their rows from every day of the log archive.
- The log archive: per the school's setting, twelve months after the day by default;
  rows of people under a legal hold are kept, the rest of the day goes.

Holds are by person: a held person's violations and archive rows all stay.
Archive files change only once the removal commits (``transaction.on_commit``), so a
failed run leaves every file as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from warden.core.models import School
from warden.engine.archive import partitions
from warden.engine.investigate import day_counts, person_day_counts, remove_rows
from warden.monitoring.ingestion import archive_root
from warden.monitoring.models import Violation
from warden.people.models import Person
from warden.records.retention import (
    Candidate,
    Found,
    HeldBack,
    Holds,
    RecordType,
    Rule,
    months_before,
)


def _uncited(queryset: QuerySet[Violation]) -> QuerySet[Violation]:
    """Violations no other record cites (incidents, welfare concerns link to them)."""
    for relation in Violation._meta.related_objects:
        if relation.many_to_many:
            queryset = queryset.filter(**{f"{relation.name}__isnull": True})
    return queryset


def _due_violations(school: School, now: dt.datetime, rule: Rule) -> tuple[dict, int]:
    cutoff = months_before(now, rule.months)
    base = _uncited(Violation.objects.filter(school=school))
    by_person = dict(
        base.filter(person__leaving_date__lte=cutoff)
        .values_list("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    unattributed = base.filter(person__isnull=True, ts__date__lte=cutoff).count()
    return by_person, unattributed


def violations_due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
    by_person, unattributed = _due_violations(school, now, rule)
    people = Person.objects.filter(pk__in=by_person).order_by("last_name", "first_name")
    due, held = [], []
    for person in people:
        count = by_person[person.pk]
        left = f"{person.leaving_date:%d/%m/%Y}"
        what = f"{count} violation(s) of {person.full_name}, who left on {left}"
        if person.pk in holds:
            held.append(HeldBack(what, holds.why(person.pk), count))
        else:
            due.append(Candidate(f"person:{person.pk}", what, count))
    if unattributed:
        due.append(
            Candidate(
                "unattributed", f"{unattributed} violation(s) attributed to no one", unattributed
            )
        )
    return Found(due, held)


def _archive_remove_after_commit(school: School, person_ids: Sequence[str]) -> None:
    root = archive_root()

    def rewrite() -> None:
        for _, _, directory in partitions(root, school.slug):
            remove_rows(directory, person_ids=person_ids)

    if person_ids:
        transaction.on_commit(rewrite)


def violations_remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
    by_person, unattributed = _due_violations(school, timezone.now(), rule)
    wanted = set(keys)
    people = [pk for pk in by_person if f"person:{pk}" in wanted and pk not in holds]
    cutoff = months_before(timezone.now(), rule.months)
    condition = Q(person_id__in=people, person__leaving_date__lte=cutoff)
    if "unattributed" in wanted and unattributed:
        condition |= Q(person__isnull=True, ts__date__lte=cutoff)
    doomed = _uncited(Violation.objects.filter(school=school)).filter(condition)
    count = doomed.count()
    # Triage rows go with their violation (CASCADE); nothing else refers to an uncited one.
    Violation.objects.filter(pk__in=list(doomed.values_list("pk", flat=True))).delete()
    _archive_remove_after_commit(school, [str(pk) for pk in people])
    return count


def _days(school: School, now: dt.datetime, rule: Rule) -> list[tuple[dt.date, Path]]:
    cutoff = months_before(now, rule.months)
    return [(day, path) for _, day, path in partitions(archive_root(), school.slug) if day < cutoff]


def _day_totals(
    school: School, now: dt.datetime, rule: Rule, holds: Holds
) -> tuple[dict[dt.date, int], dict[tuple[dt.date, str], int]]:
    """Rows per day past the cutoff, and rows per (day, held person) among them: two
    DuckDB reads over the school's days (:mod:`warden.engine.investigate`)."""
    last = months_before(now, rule.months) - dt.timedelta(days=1)
    root = archive_root()
    totals = day_counts(root, school.slug, end=last)
    held_ids = sorted(str(pk) for pk in holds.person_ids)
    kept = person_day_counts(root, school.slug, held_ids, end=last) if held_ids else {}
    return totals, kept


def archive_due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
    totals, kept = _day_totals(school, now, rule, holds)
    due, held = [], []
    for day, total in sorted(totals.items()):
        keeping = sum(rows for (held_day, _), rows in kept.items() if held_day == day)
        if total - keeping:
            due.append(
                Candidate(
                    day.isoformat(),
                    f"Web log of {day:%d/%m/%Y}: {total - keeping} line(s)",
                    total - keeping,
                )
            )
    by_person: dict[str, int] = {}
    for (_, person_id), rows in kept.items():
        by_person[person_id] = by_person.get(person_id, 0) + rows
    people = Person.objects.in_bulk([int(pk) for pk in by_person])
    for person_id, count in sorted(by_person.items()):
        held.append(
            HeldBack(
                f"{count} web log line(s) of {people[int(person_id)].full_name}",
                holds.why(int(person_id)),
                count,
            )
        )
    return Found(due, held)


def archive_remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
    wanted = set(keys)
    keep = sorted(str(pk) for pk in holds.person_ids)
    totals, kept = _day_totals(school, timezone.now(), rule, holds)
    chosen = {day for day in totals if day.isoformat() in wanted}
    days = [path for day, path in _days(school, timezone.now(), rule) if day in chosen]
    count = sum(totals[day] for day in chosen) - sum(
        rows for (day, _), rows in kept.items() if day in chosen
    )

    def drop() -> None:
        for path in days:
            if path.is_dir():
                remove_rows(path, keep_person_ids=keep)

    transaction.on_commit(drop)
    return count


RECORD_TYPES = [
    RecordType(
        key="monitoring.violations",
        label="Monitoring violations",
        default=Rule(
            12,
            "the person leaves (a violation attributed to no one: after it happened)",
            basis="IRMS Information Management Toolkit for Schools: e-safety and behaviour "
            "logs, one year after the pupil leaves.",
        ),
        due=violations_due,
        remove=violations_remove,
        order=40,
    ),
    RecordType(
        key="monitoring.archive",
        label="Web log archive (proxy and DNS lines)",
        default=Rule(
            12,
            "the day logged",
            basis="The school's setting; filtering logs are kept long enough to investigate "
            "a concern (KCSIE, DfE filtering and monitoring standards).",
        ),
        due=archive_due,
        remove=archive_remove,
        order=41,
    ),
]
