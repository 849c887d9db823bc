"""Reads that core's pages share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from warden.core.audit_display import describe
from warden.core.models import AuditEntry, Membership, School, User


def audit_for_school(school: School) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(school=school).select_related("actor")


def audit_for_object(object_type: str, object_id: str | int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id))


def audit_history(object_type: str, object_id: str | int, *, limit: int) -> list[AuditEntry]:
    """An object's newest ``limit`` audit entries in words (``audit_display.describe``): one
    query for the entries and one for each kind of record their changes name."""
    return describe(audit_for_object(object_type, object_id).order_by("-seq")[:limit])


def operators_at(school: School) -> QuerySet[User]:
    """Users with a role at the school, directly or trust-wide."""
    return (
        User.objects.filter(
            Q(memberships__school=school)
            | Q(memberships__trust=school.trust, memberships__school__isnull=True)
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def memberships_at(school: School) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(school=school) | Q(trust=school.trust, school__isnull=True)
    ).select_related("user", "school")
