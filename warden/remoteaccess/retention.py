"""How long remote-access logs are kept (``records.retention``; policy duties "Remote
connection attempts logged" and "Personal data kept no longer than necessary",
docs/policy-map.md).

- Events: twelve months after the attempt by default (a school changes the period on the
  retention page), listed and removed by day. Events of a person under a legal hold stay;
  the rest of the day goes.
- Alerts: acknowledged alerts, twelve months after the burst ended. An open alert stays
  until someone acknowledges it; an alert of a held person stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from warden.core.models import School
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
from warden.remoteaccess.models import AlertState, RemoteAccessAlert, RemoteAccessEvent


def _held(holds: Holds) -> Q:
    return Q(person_id__in=holds.person_ids)


def _past_events(school: School, now: dt.datetime, rule: Rule) -> QuerySet[RemoteAccessEvent]:
    cutoff = months_before(now, rule.months)
    return RemoteAccessEvent.objects.filter(school=school, ts__date__lte=cutoff)


def _held_back(counts: dict[int, int], holds: Holds, noun: str) -> list[HeldBack]:
    people = Person.objects.in_bulk(list(counts))
    return [
        HeldBack(f"{count} {noun} of {people[pk].full_name}", holds.why(pk), count)
        for pk, count in sorted(counts.items(), key=lambda item: people[item[0]].full_name)
    ]


def events_due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
    past = _past_events(school, now, rule)
    by_day = (
        past.exclude(_held(holds))
        .annotate(day=TruncDate("ts"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by("day")
    )
    due = [
        Candidate(day.isoformat(), f"Remote-access events of {day:%d/%m/%Y}: {n}", n)
        for day, n in by_day
    ]
    kept = dict(
        past.filter(_held(holds))
        .values_list("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
        .order_by()
    )
    return Found(due, _held_back(kept, holds, "remote-access event(s)"))


def events_remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
    days = []
    for key in keys:
        try:
            days.append(dt.date.fromisoformat(key))
        except ValueError:
            continue
    doomed = (
        _past_events(school, timezone.now(), rule)
        .exclude(_held(holds))
        .annotate(day=TruncDate("ts"))
        .filter(day__in=days)
    )
    count, _ = RemoteAccessEvent.objects.filter(
        pk__in=list(doomed.values_list("pk", flat=True))
    ).delete()
    return count


def _past_alerts(school: School, now: dt.datetime, rule: Rule) -> QuerySet[RemoteAccessAlert]:
    cutoff = months_before(now, rule.months)
    return RemoteAccessAlert.objects.filter(
        school=school, state=AlertState.ACKNOWLEDGED, window_end__date__lte=cutoff
    ).order_by("window_end", "pk")


def alerts_due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
    due, held = [], []
    for alert in _past_alerts(school, now, rule):
        what = f"Alert of {alert.window_end:%d/%m/%Y}: {alert}"
        if alert.person_id is not None and alert.person_id in holds:
            held.append(HeldBack(what, holds.why(alert.person_id)))
        else:
            due.append(Candidate(str(alert.pk), what))
    return Found(due, held)


def alerts_remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
    wanted = [int(key) for key in keys if key.isdigit()]
    doomed = _past_alerts(school, timezone.now(), rule).filter(pk__in=wanted).exclude(_held(holds))
    count, _ = RemoteAccessAlert.objects.filter(
        pk__in=list(doomed.values_list("pk", flat=True))
    ).delete()
    return count


RECORD_TYPES = [
    RecordType(
        key="remoteaccess.events",
        label="Remote-access connection attempts",
        default=Rule(
            12,
            "the attempt",
            basis="The ICT security policy: remote connection attempts are logged, and logs "
            "are kept no longer than necessary to investigate misuse.",
        ),
        due=events_due,
        remove=events_remove,
        order=45,
    ),
    RecordType(
        key="remoteaccess.alerts",
        label="Remote-access alerts (acknowledged)",
        default=Rule(
            12,
            "the burst of failed attempts ended, once acknowledged",
            basis="The ICT security policy: kept as long as the attempts they summarise.",
        ),
        due=alerts_due,
        remove=alerts_remove,
        order=46,
    ),
]
