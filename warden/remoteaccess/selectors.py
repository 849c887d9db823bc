"""Reads the remote-access pages share: the figures, the alerts, the filtered events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from warden.core.models import Membership, School
from warden.core.roles import Role
from warden.remoteaccess.models import (
    AlertState,
    EventKind,
    RemoteAccessAlert,
    RemoteAccessEvent,
    RemoteAccessSettings,
)


def settings_for(school: School) -> RemoteAccessSettings:
    """The school's burst rule, with the defaults until someone changes it."""
    found = RemoteAccessSettings.objects.filter(school=school).first()
    return found or RemoteAccessSettings(school=school)


def ict_manager_emails(school: School) -> list[str]:
    """Who hears of a burst: the school's ICT managers (or the trust's, trust-wide)."""
    emails = Membership.objects.filter(
        Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True),
        role=Role.ICT_MANAGER,
        user__is_active=True,
    ).values_list("user__email", flat=True)
    return sorted({email for email in emails if email})


@dataclass(frozen=True)
class Figures:
    connections_today: int
    failed_24h: int
    open_alerts: int


def figures(school: School, now: dt.datetime | None = None) -> Figures:
    now = now or timezone.now()
    local = timezone.localtime(now, school_zone(school))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    events = RemoteAccessEvent.objects.filter(school=school)
    return Figures(
        connections_today=events.filter(kind=EventKind.CONNECTED, ts__gte=midnight).count(),
        failed_24h=events.filter(kind=EventKind.FAILED, ts__gte=now - dt.timedelta(days=1)).count(),
        open_alerts=RemoteAccessAlert.objects.filter(school=school, state=AlertState.OPEN).count(),
    )


def school_zone(school: School) -> ZoneInfo:
    return ZoneInfo(school.timezone or "Europe/London")


def alerts(school: School, state: str = "") -> QuerySet[RemoteAccessAlert]:
    rows = RemoteAccessAlert.objects.filter(school=school).select_related(
        "person", "acknowledged_by"
    )
    return rows.filter(state=state) if state in AlertState.values else rows


def alert_page_number(school: School, alert_pk: int, per_page: int) -> int:
    """The page of :func:`alerts` (``per_page`` a page) that lists the alert ``alert_pk``;
    the first page when the school has no such alert."""
    pks = list(alerts(school).values_list("pk", flat=True))
    return pks.index(alert_pk) // per_page + 1 if alert_pk in pks else 1


@dataclass(frozen=True)
class EventFilter:
    who: str = ""
    kind: str = ""
    address: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def events(school: School, wanted: EventFilter) -> QuerySet[RemoteAccessEvent]:
    """The school's events, newest first, narrowed by ``wanted``: ``who`` matches the user
    name or the person's name, ``address`` the remote or VPN address (a prefix), the dates
    are days of the school's calendar, both included."""
    rows = RemoteAccessEvent.objects.filter(school=school).select_related("person")
    if wanted.who:
        match = Q(username__icontains=wanted.who)
        for word in wanted.who.split():
            match |= Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
        rows = rows.filter(match)
    if wanted.kind in EventKind.values:
        rows = rows.filter(kind=wanted.kind)
    if wanted.address:
        rows = rows.filter(
            Q(remote_address__startswith=wanted.address) | Q(vpn_address__startswith=wanted.address)
        )
    zone = school_zone(school)
    if wanted.since:
        rows = rows.filter(ts__gte=dt.datetime.combine(wanted.since, dt.time(), zone))
    if wanted.until:
        end = dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time(), zone)
        rows = rows.filter(ts__lt=end)
    return rows.order_by("-ts", "-pk")
