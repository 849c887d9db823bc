"""Reads the records pages and other areas share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from warden.core.models import School
from warden.records.models import OPEN_SAR_STATUSES, DpoContact, SubjectAccessRequest


def dpo_for(school: School) -> DpoContact | None:
    """The data protection officer for ``school``: its own, else its trust's, else None."""
    found = list(
        DpoContact.everywhere.filter(
            Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True)
        )
    )
    found.sort(key=lambda contact: contact.school_id is None)
    return found[0] if found else None


DUE_SOON_DAYS = 7


def sars_needing_attention(school: School) -> QuerySet[SubjectAccessRequest]:
    """Open requests overdue or due within a week, soonest first: the SIRO's home panel."""
    soon = timezone.localdate() + dt.timedelta(days=DUE_SOON_DAYS)
    return (
        SubjectAccessRequest.objects.filter(school=school, status__in=OPEN_SAR_STATUSES)
        .annotate(deadline_on=Coalesce("extended_to", "due_on"))
        .filter(deadline_on__lte=soon)
        .select_related("person")
        .order_by("deadline_on", "pk")
    )
