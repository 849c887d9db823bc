"""May this user see or change this monitoring record? Views go through these only."""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.monitoring.models.monitoring import IpLease, Keyword, KeywordExclusion, Violation


def violation_for_user(user: AnyUser, pk: int) -> Violation:
    return object_for_user(
        Violation.objects.select_related("school", "person"), user, Perm.VIOLATIONS_VIEW, pk=pk
    )


def keyword_for_user(user: AnyUser, pk: int) -> Keyword:
    return object_for_user(
        Keyword.objects.select_related("school"), user, Perm.KEYWORDS_MANAGE, pk=pk
    )


def exclusion_for_user(user: AnyUser, pk: int) -> KeywordExclusion:
    return object_for_user(
        KeywordExclusion.objects.select_related("school"), user, Perm.KEYWORDS_MANAGE, pk=pk
    )


def lease_for_user(user: AnyUser, pk: int) -> IpLease:
    return object_for_user(
        IpLease.objects.select_related("school", "person"), user, Perm.LOGS_INGEST, pk=pk
    )
