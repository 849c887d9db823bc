"""Background tasks of publication: thin wrappers the worker runs."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.publication.services.media import retention_flag


@warden_task
def flag_sets_past_retention() -> int:
    """List for removal the media sets past each school's retention period."""
    total = 0
    for school in School.objects.select_related("trust"):
        with audit_acting_school(school):
            total += retention_flag(school=school)
    return total
