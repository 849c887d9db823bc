"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from warden.core.models import School
from warden.governance.models import FilteringReview, Policy, PolicyKind
from warden.governance.services import policies, reviews

MARKER = "Zebedee-Bschool"


def _policy(b: School) -> Any:
    found = Policy.objects.filter(school=b).first()
    if found is None:
        found = policies.policy_create(
            actor=None, school=b, kind=PolicyKind.E_SAFETY, title=f"{MARKER} policy"
        )
    return found.pk


def _version(b: School) -> Any:
    policy = Policy.objects.get(pk=_policy(b))
    return policies.version_create(
        actor=None,
        policy=policy,
        label="2026",
        text=f"{MARKER} policy text.",
        approved_on=timezone.localdate() - dt.timedelta(days=400),
        minute_reference="FGB 1",
    ).pk


def _review(b: School) -> Any:
    return reviews.review_start(
        actor=None,
        school=b,
        year=reviews.school_year(timezone.localdate()),
        test_sites=[],
    ).pk


def _action(b: School) -> Any:
    review = FilteringReview.objects.filter(school=b).first()
    if review is None:
        review = FilteringReview.objects.get(pk=_review(b))
    return reviews.review_action_add(
        actor=None,
        review=review,
        text=f"{MARKER} action",
        owner=f"{MARKER} owner",
        due_on=timezone.localdate(),
    ).pk


OBJECT_MAKERS = [
    ("policy_pk", _policy),
    ("policy_version_pk", _version),
    ("filtering_review_pk", _review),
    ("review_action_pk", _action),
]
PUBLIC_PATTERNS: list[str] = ["governance:training_confirm"]
