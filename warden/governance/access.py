"""May this user see or change this policy, version, course or review?"""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import GovernancePerm
from warden.governance.models import (
    FilteringReview,
    Policy,
    PolicyVersion,
    ReviewAction,
)


def policy_for_user(user: AnyUser, pk: int, *, perm: str = GovernancePerm.READ) -> Policy:
    return object_for_user(Policy.objects.select_related("school", "owner"), user, perm, pk=pk)


def policy_version_for_user(
    user: AnyUser, pk: int, *, perm: str = GovernancePerm.READ
) -> PolicyVersion:
    return object_for_user(
        PolicyVersion.objects.select_related("school", "policy", "created_by"), user, perm, pk=pk
    )


def review_for_user(user: AnyUser, pk: int, *, perm: str = GovernancePerm.READ) -> FilteringReview:
    return object_for_user(FilteringReview.objects.select_related("school"), user, perm, pk=pk)


def review_action_for_user(
    user: AnyUser, pk: int, *, perm: str = GovernancePerm.REVIEW_MANAGE
) -> ReviewAction:
    return object_for_user(
        ReviewAction.objects.select_related("school", "review"), user, perm, pk=pk
    )
