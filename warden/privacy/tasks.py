"""The data-protection area's background work."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.privacy.services.breaches import breach_alerts_send


@warden_task
def send_breach_alerts(*, school_slug: str | None = None) -> int:
    """Alert the SIROs and the DPO about breaches at 24 h, 48 h and past 72 h without a
    decision, for one school or every school; returns how many alerts went."""
    schools = School.objects.select_related("trust")
    if school_slug:
        schools = schools.filter(slug=school_slug)
    sent = 0
    for school in schools:
        with audit_acting_school(school):
            sent += breach_alerts_send(school=school)
    return sent
