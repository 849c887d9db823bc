"""Background work of agreements: the daily reminders and the daily recompute of stored
standings, thin wrappers over the services."""

from __future__ import annotations

from django.db.models import QuerySet

from warden.agreements.services import reminders_send, standings_refresh
from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task


def _schools(school_slug: str | None) -> QuerySet[School]:
    schools = School.objects.select_related("trust")
    return schools.filter(slug=school_slug) if school_slug else schools


@warden_task
def send_reminders(*, school_slug: str | None = None) -> int:
    """E-mail reminders for one school, or every school; returns how many were sent."""
    sent = 0
    for school in _schools(school_slug):
        with audit_acting_school(school):
            sent += reminders_send(school=school).sent
    return sent


@warden_task
def refresh_standings(*, school_slug: str | None = None) -> int:
    """Recompute the stored standings of one school, or every school; returns how many rows
    changed (none when every change went through the services)."""
    changed = 0
    for school in _schools(school_slug):
        with audit_acting_school(school):
            changed += standings_refresh(school=school)
    return changed
