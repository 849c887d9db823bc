"""Reads the records pages and other areas share."""

from __future__ import annotations

from django.db.models import Q

from warden.core.models import School
from warden.records.models import DpoContact


def dpo_for(school: School) -> DpoContact | None:
    """The data protection officer for ``school``: its own, else its trust's, else None."""
    found = list(
        DpoContact.everywhere.filter(
            Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True)
        )
    )
    found.sort(key=lambda contact: contact.school_id is None)
    return found[0] if found else None
