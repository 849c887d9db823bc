"""Background work of governance: the daily policy run (reviews brought forward by severe
incidents, reminders to owners) and the daily safety net for training due, thin wrappers
over the services."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.governance.services.policies import incidents_bring_forward, review_reminders_send
from warden.governance.services.training import training_assign

# How far back the daily run looks for incidents: two days, so a missed run is covered.
INCIDENT_WINDOW = dt.timedelta(days=2)


def _schools(school_slug: str | None) -> QuerySet[School]:
    schools = School.objects.select_related("trust")
    return schools.filter(slug=school_slug) if school_slug else schools


@warden_task
def policy_reviews(*, school_slug: str | None = None) -> int:
    """Bring reviews forward for recent severe incidents and data breaches, then remind
    owners of reviews due within 30 days; returns how many reminders were sent."""
    sent = 0
    since = timezone.now() - INCIDENT_WINDOW
    for school in _schools(school_slug):
        with audit_acting_school(school):
            incidents_bring_forward(school=school, since=since)
            sent += review_reminders_send(school=school)
    return sent


@warden_task
def training_due(*, school_slug: str | None = None) -> int:
    """Set courses due for anyone who must take them and has not had them set (a safety
    net behind the join signal); returns how many were set."""
    assigned = 0
    for school in _schools(school_slug):
        with audit_acting_school(school):
            assigned += training_assign(school=school)
    return assigned
