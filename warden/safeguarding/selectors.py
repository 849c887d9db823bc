"""Reads of welfare concerns that pages share."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from warden.core.access import AnyUser
from warden.core.models import School
from warden.incidents.models import Incident, IncidentStatus
from warden.safeguarding.models import ConcernStatus, SafeguardingSettings, WelfareConcern


def concern_list(concerns: QuerySet[WelfareConcern], status: str = "") -> QuerySet[WelfareConcern]:
    if status in ConcernStatus.values:
        concerns = concerns.filter(status=status)
    return concerns.select_related("person", "raised_by").order_by("-raised_at", "-pk")


def shared_with(school: School, user: AnyUser) -> QuerySet[WelfareConcern]:
    """Open concerns the DSL let ``user`` read through the access list."""
    return (
        WelfareConcern.objects.filter(
            school=school, status=ConcernStatus.OPEN, access_list__user_id=int(user.pk or 0)
        )
        .select_related("person")
        .order_by("-raised_at")[:10]
    )


@dataclass(frozen=True)
class ConcernSummary:
    open: int
    review_due: int


def concern_summary(school: School) -> ConcernSummary:
    """Figures for the dashboard: open concerns and those whose review day has come."""
    today = timezone.localtime(timezone.now(), ZoneInfo(school.timezone)).date()
    open_concerns = WelfareConcern.objects.filter(school=school, status=ConcernStatus.OPEN)
    return ConcernSummary(
        open=open_concerns.count(),
        review_due=open_concerns.filter(review_on__lte=today).count(),
    )


def linkable_incidents(concern: WelfareConcern) -> QuerySet[Incident]:
    """Breaches a concern may be linked to: the school's open incidents and its current link."""
    found = Incident.objects.filter(school_id=concern.school_id).exclude(
        status=IncidentStatus.CLOSED
    )
    if concern.incident_id:
        found = found | Incident.objects.filter(pk=concern.incident_id)
    return found.order_by("-reported_at")


@dataclass(frozen=True)
class ChronologyLine:
    at: str
    by: str
    kind: str
    text: str


def chronology_lines(concern: WelfareConcern) -> list[ChronologyLine]:
    """The concern's chronology in the school's time, oldest first (pages and exports)."""
    tz = ZoneInfo(concern.school.timezone)
    return [
        ChronologyLine(
            at=timezone.localtime(entry.at, tz).strftime("%d/%m/%Y %H:%M"),
            by=(entry.by.get_full_name() or entry.by.username) if entry.by else "Warden",
            kind=entry.get_kind_display(),
            text=entry.text,
        )
        for entry in concern.chronology.select_related("by").order_by("at", "pk")
    ]


def settings_for(school: School) -> SafeguardingSettings:
    """The school's safeguarding settings, unsaved defaults when it has none yet."""
    found = SafeguardingSettings.objects.filter(school=school).first()
    return found or SafeguardingSettings(school=school)
