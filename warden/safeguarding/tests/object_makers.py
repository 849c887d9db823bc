"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.core.roles import Role
from warden.safeguarding.models import ConcernAccess, ConcernEntry, ConcernStep, WelfareConcern
from warden.testing.factories import PupilFactory, UserFactory, member

# The walk's marker (kept in step with test_cross_school_access.MARKER).
MARKER = "Zebedee-Bschool"


def concern_at(school: School, *, summary: str = MARKER) -> WelfareConcern:
    now = timezone.now()
    number = WelfareConcern.objects.filter(school=school).count() + 1
    child = PupilFactory.create(school=school, first_name=MARKER, last_name="Child")
    concern = WelfareConcern.objects.create(
        school=school,
        number=number,
        person=child,
        category="self_harm",
        summary=summary,
        seen_at=now,
        raised_at=now,
    )
    ConcernEntry.objects.create(school=school, concern=concern, at=now, text=f"{MARKER} entry")
    return concern


def _concern(b: School) -> Any:
    return concern_at(b).pk


def _step(b: School) -> Any:
    concern = concern_at(b)
    return ConcernStep.objects.create(
        school=b, concern=concern, playbook="other", code="speak", position=1, text=MARKER
    ).pk


def _access(b: School) -> Any:
    concern = concern_at(b)
    n = ConcernAccess.objects.count()
    user = UserFactory.create(username=f"b-concern-reader-{n}", first_name=MARKER)
    member(user, b, Role.TEACHER)
    return ConcernAccess.objects.create(
        school=b, concern=concern, user=user, reason=MARKER, added_at=timezone.now()
    ).pk


OBJECT_MAKERS: list[tuple[str, Callable[[School], Any]]] = [
    ("concern_pk", _concern),
    ("concern_step_pk", _step),
    ("concern_access_pk", _access),
]
