"""The filtering change log as a reader without names sees it (governors: figures only).

Policy duty "Governors monitor the filtering change log" (docs/policy-map.md); by the
safeguarding need-to-know rule they see no one's name. Each entry keeps when and what
changed; who made it becomes their role, a person placed in a filter group becomes "a pupil"
or "a person", and free-text details (reasons, notes, names of who asked) are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from warden.core.models import AuditEntry, Membership, School
from warden.core.roles import Role

# Details of an entry that name no one: what was changed, never why or for whom.
SAFE_KEYS = frozenset(
    {
        "site",
        "group",
        "category",
        "categories",
        "action",
        "value",
        "list",
        "name",
        "slug",
        "cidr",
        "label",
        "schedule",
        "status",
        "expires_at",
        "wanted_until",
        "ends",
        "safe_search",
        "entries",
    }
)


@dataclass(frozen=True)
class ChangeRow:
    """One change log entry with the attributes the change log page shows."""

    at: dt.datetime
    actor_label: str
    action: str
    object_repr: str
    changes: dict[str, Any] = field(default_factory=dict)


def _record(entry: AuditEntry) -> str:
    if not entry.action.startswith("filtering.assignment_"):
        return entry.object_repr
    reasons = " ".join(str(v) for v in (entry.changes or {}).get("reason", []) if v)
    if "e-safety sanction" in reasons:
        return "Internet access withdrawn for a pupil (e-safety sanction)"
    return "A person placed in a filter group by name"


def _roles(entries: Sequence[AuditEntry], school: School) -> dict[int, str]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    labels: dict[int, list[str]] = defaultdict(list)
    for user_id, role in Membership.objects.filter(user_id__in=ids, school=school).values_list(
        "user_id", "role"
    ):
        labels[user_id].append(Role(role).label)
    for user_id, role in Membership.objects.filter(
        user_id__in=ids, school__isnull=True, trust_id=school.trust_id
    ).values_list("user_id", "role"):
        labels[user_id].append(Role(role).label)
    return {user_id: ", ".join(sorted(names)) for user_id, names in labels.items()}


def rows_naming_no_one(entries: Iterable[AuditEntry], school: School) -> list[ChangeRow]:
    """The entries with every name left out: roles for people, "a pupil" for the pupil."""
    entries = list(entries)
    roles = _roles(entries, school)
    return [
        ChangeRow(
            at=e.at,
            actor_label=(
                roles.get(e.actor_id, "A member of staff")
                if e.actor_id is not None
                else "Warden (automatic)"
            ),
            action=e.action,
            object_repr=_record(e),
            changes={k: v for k, v in (e.changes or {}).items() if k in SAFE_KEYS},
        )
        for e in entries
    ]
