"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.records.models import ReceivedVia, RetentionRun, SubjectAccessRequest
from warden.testing.factories import PupilFactory, UserFactory

# The walk's marker (kept in step with test_cross_school_access.MARKER).
MARKER = "Zebedee-Bschool"


def _sar(b: School) -> Any:
    n = SubjectAccessRequest.objects.count()
    logger = UserFactory.create(username=f"b-sar-logger-{n}", first_name=MARKER)
    today = timezone.localdate()
    return SubjectAccessRequest.objects.create(
        school=b,
        person=PupilFactory.create(school=b, first_name=MARKER, last_name="Subject"),
        requester=MARKER,
        received_via=ReceivedVia.EMAIL,
        received_on=today,
        due_on=today,
        identity_method=MARKER,
        identity_checked_at=timezone.now(),
        status="reviewed",
        sections=[
            {
                "key": "profile",
                "title": MARKER,
                "columns": ["Field", "Value"],
                "rows": [["Name", MARKER]],
                "notes": [],
                "withheld": "",
                "order": 0,
                "extra": {},
            }
        ],
        logged_by=logger,
    ).pk


def _run(b: School) -> Any:
    return RetentionRun.objects.create(
        school=b,
        found_at=timezone.now(),
        found={
            "monitoring.violations": {
                "label": MARKER,
                "rule": MARKER,
                "months": 12,
                "due": [{"key": "person:1", "description": MARKER, "count": 1}],
                "held": [],
            }
        },
    ).pk


OBJECT_MAKERS: list[tuple[str, Callable[[School], Any]]] = [
    ("sar_pk", _sar),
    ("run_pk", _run),
]
