"""School-B objects for the cross-school test (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from warden.accounts.models import (
    AccessReview,
    Account,
    ApiToken,
    DirectorySync,
    HandSuspension,
    System,
    SystemKind,
)
from warden.core.models import School
from warden.testing.factories import PersonFactory

MARKER = "Zebedee-Bschool"


def _system(b: School) -> System:
    return System.objects.create(
        school=b, name=f"{MARKER} system {uuid.uuid4().hex[:6]}", kind=SystemKind.SUPPLY
    )


def make_system(b: School) -> Any:
    return _system(b).pk


def make_account(b: School) -> Any:
    system = _system(b)
    person = PersonFactory.create(school=b, first_name=MARKER, last_name="Account")
    return Account.objects.create(
        school=b, person=person, system=system, username=f"{MARKER}-{uuid.uuid4().hex[:6]}"
    ).pk


def make_review(b: School) -> Any:
    return AccessReview.objects.create(
        school=b,
        system=_system(b),
        reviewed_at=timezone.now(),
        outcome="confirmed",
        notes=MARKER,
    ).pk


def make_sync(b: School) -> Any:
    return DirectorySync.objects.create(
        school=b,
        system=_system(b),
        planned_at=timezone.now(),
        changes=[{"op": "create", "dn": f"uid={MARKER}", "detail": MARKER}],
    ).pk


def make_token(b: School) -> Any:
    return ApiToken.objects.create(
        school=b, name=MARKER, token_hash=uuid.uuid4().hex * 2, prefix="wdn_x"
    ).pk


def make_hand_suspension(b: School) -> Any:
    account = Account.objects.get(pk=make_account(b))
    return HandSuspension.objects.create(
        school=b, account=account, reason=MARKER, created_at=timezone.now()
    ).pk


OBJECT_MAKERS = [
    ("system_pk", make_system),
    ("account_pk", make_account),
    ("review_pk", make_review),
    ("sync_pk", make_sync),
    ("token_pk", make_token),
    ("task_pk", make_hand_suspension),
]
