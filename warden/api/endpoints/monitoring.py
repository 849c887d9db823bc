"""Monitoring violations: read them, and send a batch of log lines to be ingested."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import IngestIn, IngestOut, ViolationOut
from warden.core.roles import Perm
from warden.monitoring.access.monitoring import violation_for_user
from warden.monitoring.models.monitoring import Violation
from warden.monitoring.selectors.monitoring import ViolationFilter, violations_list
from warden.monitoring.services.monitoring import logs_ingest

router = Router(tags=["Monitoring"])


def violation_out(violation: Violation) -> dict[str, Any]:
    row = {name: getattr(violation, name, None) for name in ViolationOut.model_fields}
    row["id"] = violation.pk
    return row


class ViolationQuery(Schema):
    min_severity: int | None = None
    category: str = ""
    person: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


@router.get("", response={200: list[ViolationOut], **REFUSALS}, operation_id="violations_list")
@paginate(Paged)
def list_violations(request: HttpRequest, filters: Query[ViolationQuery]) -> Shaped:
    """Violations, newest first, filtered as on the violations page."""
    school = caller_school(caller(request), Perm.VIOLATIONS_VIEW)
    return Shaped(violations_list(school, ViolationFilter(**filters.dict())), violation_out)


@router.get(
    "/{int:violation_pk}",
    response={200: ViolationOut, **REFUSALS},
    operation_id="violations_get",
)
def get_violation(request: HttpRequest, violation_pk: int) -> dict[str, Any]:
    """One violation."""
    caller_school(caller(request), Perm.VIOLATIONS_VIEW)
    return violation_out(violation_for_user(caller(request), violation_pk))


@router.post("/ingest", response={200: IngestOut, **REFUSALS}, operation_id="violations_ingest")
def ingest(request: HttpRequest, body: IngestIn) -> dict[str, Any]:
    """Ingest a batch of proxy or DNS log lines, as ``warden ingest`` does with a file:
    attributed, classified, matched against the keyword library, archived. Lines already
    ingested from this source are not counted twice."""
    school = caller_school(caller(request), Perm.LOGS_INGEST)
    data = "".join(line.rstrip("\r\n") + "\n" for line in body.lines).encode("utf-8")
    summary = logs_ingest(
        actor=None, school=school, fmt=body.format, paths=["-"], stdin=io.BytesIO(data)
    )
    return {
        "lines": summary.result.lines,
        "malformed": summary.result.malformed_count,
        "new_violations": summary.new_violations,
    }
