"""Reads that core's pages share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from warden.core.models import AuditEntry, Membership, School, User


def audit_for_school(school: School) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(school=school).select_related("actor")


def audit_for_object(object_type: str, object_id: str | int) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id))


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
