"""How long signatures are kept (``records.retention``): six years after signing (IRMS
toolkit: contracts and agreements, six years; Limitation Act 1980), and only once they no
longer count: a later signature of the same agreement by the same person replaces it, or
the person has left. A signature a counter-signature refers to stays until that goes too;
one another record still relies on (a loan's agreement) is skipped and stays. A paper
scan's file goes with its signature, once the removal commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from warden.agreements.models import Signature
from warden.core.models import School
from warden.records.retention import (
    Candidate,
    Found,
    HeldBack,
    Holds,
    RecordType,
    Rule,
    months_before,
)


def _due(school: School, now: dt.datetime, rule: Rule) -> QuerySet[Signature]:
    cutoff = months_before(now, rule.months)
    later = Signature.objects.filter(
        person_id=OuterRef("person_id"),
        agreement_id=OuterRef("agreement_id"),
        signed_at__gt=OuterRef("signed_at"),
    )
    return (
        Signature.objects.filter(school=school, signed_at__date__lte=cutoff)
        .filter(Q(Exists(later)) | Q(person__leaving_date__lte=now.date()))
        .filter(counter_signatures__isnull=True)
        .select_related("person", "agreement")
        .order_by("signed_at", "pk")
    )


def signatures_due(school: School, now: dt.datetime, rule: Rule, holds: Holds) -> Found:
    due, held = [], []
    for signature in _due(school, now, rule):
        what = (
            f"{signature.person.full_name}'s signature of {signature.agreement.title} "
            f"({signature.signed_at:%d/%m/%Y})"
        )
        if signature.person_id in holds:
            held.append(HeldBack(what, holds.why(signature.person_id)))
        else:
            due.append(Candidate(str(signature.pk), what))
    return Found(due, held)


def signatures_remove(school: School, keys: Sequence[str], rule: Rule, holds: Holds) -> int:
    wanted = {int(key) for key in keys if key.isdigit()}
    removed, scans = 0, []
    for signature in _due(school, timezone.now(), rule).filter(pk__in=wanted):
        if signature.person_id in holds:
            continue
        try:
            with transaction.atomic():
                signature.delete()
        except ProtectedError:
            continue  # another record still relies on it; it stays
        removed += 1
        if signature.scan:
            scans.append(signature.scan)
    if scans:
        transaction.on_commit(lambda: [scan.delete(save=False) for scan in scans])
    return removed


RECORD_TYPES = [
    RecordType(
        key="agreements.signatures",
        label="Acceptable-use agreement signatures",
        default=Rule(
            72,
            "signing, once replaced by a later signature or the person has left",
            basis="IRMS Information Management Toolkit for Schools: agreements, six years "
            "(Limitation Act 1980).",
        ),
        due=signatures_due,
        remove=signatures_remove,
        order=20,
    ),
]
