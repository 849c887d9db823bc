"""Reads that core's pages share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from warden.core.access import AnyUser
from warden.core.audit_display import describe
from warden.core.audit_registry import actions_hidden_from
from warden.core.models import AuditEntry, Membership, School, User
from warden.core.roles import Role


def audit_for_school(school: School, *, reader: AnyUser) -> QuerySet[AuditEntry]:
    """The school's entries that ``reader`` may see: each kind of entry declares the right it
    needs (``core.audit_registry``), so a headteacher never learns a welfare concern exists."""
    return AuditEntry.objects.filter(school=school).exclude(
        action__in=actions_hidden_from(reader, school)
    )


def audit_for_object(
    object_type: str, object_id: str | int, *, reader: AnyUser, school: School
) -> QuerySet[AuditEntry]:
    """A record's entries that ``reader`` may see at the record's school."""
    return AuditEntry.objects.filter(object_type=object_type, object_id=str(object_id)).exclude(
        action__in=actions_hidden_from(reader, school)
    )


def audit_history(
    object_type: str,
    object_id: str | int,
    *,
    limit: int,
    reader: AnyUser,
    school: School,
    hidden: frozenset[str] = frozenset(),
    leave_out: tuple[str, ...] = (),
) -> list[AuditEntry]:
    """A record's newest ``limit`` audit entries in words (``audit_display.describe``),
    leaving out the changed fields in ``hidden`` and the actions in ``leave_out``: one query
    for the entries and one for each kind of record they name.

    Only the entries ``reader`` may see at ``school`` are listed.
    """
    entries = audit_for_object(object_type, object_id, reader=reader, school=school)
    entries = entries.exclude(action__in=leave_out) if leave_out else entries
    return describe(entries.order_by("-seq")[:limit], hidden=hidden)


def operators_at(school: School, *, staff_only: bool = False) -> QuerySet[User]:
    """Users with a role at the school, directly or trust-wide. With ``staff_only``, those
    still active and holding a role there other than governor: the people who can be given
    work (governors see figures only, so they own no action and approve no post)."""
    here = Q(memberships__school=school) | Q(
        memberships__trust=school.trust, memberships__school__isnull=True
    )
    users = User.objects.all()
    if staff_only:
        here &= ~Q(memberships__role=Role.GOVERNOR)
        users = users.filter(is_active=True)
    return users.filter(here).distinct().order_by("last_name", "first_name", "username")


def memberships_at(school: School) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(school=school) | Q(trust=school.trust, school__isnull=True)
    ).select_related("user", "school")
