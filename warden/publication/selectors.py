"""Reads the publication pages and panels share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from warden.consent.rules import refusals
from warden.core.models import School
from warden.people.models import Person
from warden.publication.models import MediaSet, Post, PostState, RecordingPermission, Removal


def media_sets(school: School, *, query: str = "") -> QuerySet[MediaSet]:
    """The register, newest first, searched by the set's name, location or purpose."""
    found = MediaSet.objects.filter(school=school).select_related("purpose", "recorded_by")
    for word in query.split()[:6]:
        found = found.filter(
            Q(title__icontains=word)
            | Q(location__icontains=word)
            | Q(purpose__name__icontains=word)
        )
    return found


def open_removals(school: School) -> QuerySet[Removal]:
    """Removals not yet ticked off, oldest first."""
    return Removal.objects.filter(school=school, done_at__isnull=True).select_related(
        "media_set", "media_set__purpose"
    )


def set_refusals(media_set: MediaSet) -> list[tuple[Person, str]]:
    """The pupils in the set whose consent for its purpose is refused now, with why."""
    pupils = list(media_set.pupils.all())
    if not pupils:
        return []
    refused = refusals(media_set.school, media_set.purpose.slug, [p.pk for p in pupils])
    return [(p, refused[p.pk]) for p in pupils if p.pk in refused]


def recording_state(permission: RecordingPermission, today: dt.date | None = None) -> str:
    """ "current", "expired" (its last day passed), "ended" (ended early) or "future"."""
    today = today or timezone.localdate()
    if permission.ended_at is not None:
        return "ended"
    if permission.valid_until < today:
        return "expired"
    return "future" if permission.valid_from > today else "current"


def current_recording(school: School, person: Person | None) -> RecordingPermission | None:
    """The permission ``person`` holds today, if any."""
    if person is None:
        return None
    today = timezone.localdate()
    return (
        RecordingPermission.objects.filter(
            school=school,
            staff=person,
            ended_at__isnull=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until")
        .first()
    )


def posts_waiting(school: School) -> QuerySet[Post]:
    return Post.objects.filter(school=school, state=PostState.SUBMITTED)
