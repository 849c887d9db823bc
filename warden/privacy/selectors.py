"""Reads the data-protection pages, home panels, the report and the job share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from warden.core.models import Membership, School
from warden.core.roles import Role
from warden.equipment.models import Asset, AssetType, Loan, LoanState
from warden.privacy import rules
from warden.privacy.models import Breach, BreachState, MediaWipe, ProcessorRecord
from warden.records.selectors import dpo_for


def open_breaches(school: School) -> QuerySet[Breach]:
    return Breach.objects.filter(school=school, state=BreachState.OPEN).order_by("aware_at", "pk")


def undecided_breaches(school: School) -> QuerySet[Breach]:
    """Open breaches with the ICO clock still running or passed: no decision yet."""
    return open_breaches(school).filter(decision="")


def breach_clock(breach: Breach, now: dt.datetime | None = None) -> rules.Clock:
    return rules.clock(breach.aware_at, decided=bool(breach.decision), now=now or timezone.now())


def siro_emails(school: School) -> list[str]:
    """The school's SIROs (or the trust's, trust-wide), else its headteachers."""
    rows = Membership.objects.filter(
        Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True),
        user__is_active=True,
    ).values_list("role", "user__email")
    siros = sorted({email for role, email in rows if role == Role.SIRO and email})
    if siros:
        return siros
    return sorted({email for role, email in rows if role == Role.HEADTEACHER and email})


def alert_recipients(school: School) -> list[str]:
    """Who hears of a breach's clock: the SIROs and the DPO."""
    found = siro_emails(school)
    dpo = dpo_for(school)
    if dpo is not None and dpo.email and dpo.email not in found:
        found.append(dpo.email)
    return found


def processor_records(school: School) -> QuerySet[ProcessorRecord]:
    return ProcessorRecord.objects.filter(school=school).select_related("system", "approved_by")


def approved_system_ids(school: School) -> set[int]:
    return set(
        ProcessorRecord.objects.filter(school=school, approved=True).values_list(
            "system_id", flat=True
        )
    )


def removable_media(school: School) -> QuerySet[Asset]:
    return Asset.objects.filter(school=school, asset_type=AssetType.REMOVABLE_MEDIA)


def last_returned_at(asset: Asset) -> dt.datetime | None:
    loan = (
        Loan.objects.filter(asset=asset, state=LoanState.RETURNED, returned_at__isnull=False)
        .order_by("-returned_at")
        .first()
    )
    return loan.returned_at if loan else None


def last_wipe(asset: Asset) -> MediaWipe | None:
    return MediaWipe.objects.filter(asset=asset).order_by("-wiped_at", "-pk").first()
