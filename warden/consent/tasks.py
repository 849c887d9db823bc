"""Background work of consent: the daily reminders, a thin wrapper over the service."""

from __future__ import annotations

from warden.consent.services import reminders_send
from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task


@warden_task
def send_consent_reminders(*, school_slug: str | None = None) -> int:
    """E-mail consent reminders for one school, or every school; returns how many."""
    schools = School.objects.select_related("trust")
    if school_slug:
        schools = schools.filter(slug=school_slug)
    sent = 0
    for school in schools:
        with audit_acting_school(school):
            sent += reminders_send(school=school).sent
    return sent
