"""Background ingestion: a thin wrapper over ``logs_ingest`` for the worker."""

from __future__ import annotations

from django_tasks import task

from warden.core.audit import audit_context
from warden.core.models import School
from warden.monitoring.services.monitoring import logs_ingest


@task()
def ingest_logs(*, school_id: int, fmt: str, paths: list[str]) -> int:
    """Ingest log files for a school; returns how many violations were new. Running it again
    (a retry after a failure) carries on from the last committed chunk."""
    school = School.objects.select_related("trust").get(pk=school_id)
    with audit_context(via="task", acting_school=school):
        summary = logs_ingest(actor=None, school=school, fmt=fmt, paths=paths)
    return summary.new_violations
