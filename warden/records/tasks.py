"""Background work of the records area, thin wrappers over the services."""

from __future__ import annotations

from warden.core.audit import audit_acting_school
from warden.core.models import School
from warden.core.tasks import warden_task
from warden.records.retention_runs import retention_find


@warden_task
def retention_find_all(*, school_slug: str | None = None) -> int:
    """Record a retention run awaiting approval for one school, or every school; returns
    how many records the runs found due."""
    schools = School.objects.select_related("trust")
    if school_slug:
        schools = schools.filter(slug=school_slug)
    due = 0
    for school in schools:
        with audit_acting_school(school):
            due += retention_find(actor=None, school=school).due_count
    return due
