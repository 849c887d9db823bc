"""Reads of the equipment register that pages, the dashboard and the leavers' board share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from warden.core.models import School
from warden.equipment.breach import open_breaches
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    Asset,
    AssetState,
    AuditPlan,
    Installation,
    Loan,
    LoanState,
    Location,
    LossReport,
    SoftwareProduct,
    Stocktake,
)
from warden.people.models import Person

ASSET_SORTS = {
    "tag": ("asset_tag", "pk"),
    "-tag": ("-asset_tag", "-pk"),
    "type": ("asset_type", "asset_tag"),
    "state": ("state", "asset_tag"),
    "location": ("location__name", "asset_tag"),
    "warranty": ("warranty_until", "asset_tag"),
    "checked": ("security_checked_on", "asset_tag"),
}


@dataclass(frozen=True)
class AssetFilter:
    q: str = ""
    asset_type: str = ""
    state: str = ""
    location: int | None = None
    risk: bool = False  # could hold personal data and not encrypted
    sort: str = "tag"


def asset_list(school: School, f: AssetFilter) -> QuerySet[Asset]:
    open_loans = Loan.objects.filter(asset=OuterRef("pk"), state__in=OPEN_LOAN_STATES)
    assets = Asset.objects.filter(school=school).select_related("location")
    assets = assets.annotate(has_open_loan=Exists(open_loans))
    if f.q:
        for word in f.q.split():
            assets = assets.filter(
                Q(asset_tag__icontains=word)
                | Q(serial__icontains=word)
                | Q(make__icontains=word)
                | Q(model__icontains=word)
            )
    if f.asset_type:
        assets = assets.filter(asset_type=f.asset_type)
    if f.state:
        assets = assets.filter(state=f.state)
    if f.location:
        assets = assets.filter(location_id=f.location)
    if f.risk:
        assets = assets.filter(holds_personal_data=True, encrypted=False).exclude(
            state=AssetState.DISPOSED
        )
    return assets.order_by(*ASSET_SORTS.get(f.sort, ASSET_SORTS["tag"]))


def open_loan_of(asset: Asset) -> Loan | None:
    return (
        Loan.objects.filter(asset=asset, state__in=OPEN_LOAN_STATES)
        .select_related("person")
        .first()
    )


def loans_list(school: School, *, state: str = "open") -> QuerySet[Loan]:
    loans = Loan.objects.filter(school=school).select_related("asset", "person")
    if state == "open":
        loans = loans.filter(state__in=OPEN_LOAN_STATES)
    elif state == "overdue":
        loans = overdue_loans(school)
    elif state in LoanState.values:
        loans = loans.filter(state=state)
    return loans.order_by("due_on", "-checked_out_at", "pk")


def overdue_loans(school: School, *, today: dt.date | None = None) -> QuerySet[Loan]:
    today = today or timezone.localdate()
    return (
        Loan.objects.filter(school=school, state=LoanState.ISSUED, due_on__lt=today)
        .select_related("asset", "person")
        .order_by("due_on", "pk")
    )


def loans_of(person: Person) -> QuerySet[Loan]:
    return (
        Loan.objects.filter(person=person)
        .select_related("asset")
        .order_by("-checked_out_at", "-pk")
    )


# --- stocktakes -----------------------------------------------------------------------------


def plans_due(
    school: School, *, today: dt.date | None = None, days: int = 30
) -> QuerySet[AuditPlan]:
    today = today or timezone.localdate()
    return (
        AuditPlan.objects.filter(school=school, next_due__lte=today + dt.timedelta(days=days))
        .select_related("location")
        .order_by("next_due")
    )


def never_audited(school: School) -> QuerySet[Asset]:
    return (
        Asset.objects.filter(school=school, last_audited_at__isnull=True)
        .exclude(state__in=[AssetState.DISPOSED, AssetState.WRITTEN_OFF])
        .select_related("location")
        .order_by("asset_tag")
    )


def missing_after_stocktakes(school: School) -> list[tuple[Stocktake, list[Asset]]]:
    """For each location's latest finished stocktake, the expected assets nobody saw."""
    latest: dict[int, Stocktake] = {}
    for stocktake in Stocktake.objects.filter(school=school, completed_at__isnull=False).order_by(
        "location_id", "-completed_at"
    ):
        latest.setdefault(stocktake.location_id, stocktake)
    result = []
    for stocktake in latest.values():
        missing = [
            line.asset
            for line in stocktake.lines.filter(expected=True, seen_at__isnull=True).select_related(
                "asset"
            )
            if line.asset.last_audited_at is None
            or line.asset.last_audited_at < stocktake.started_at
        ]
        if missing:
            result.append((stocktake, missing))
    return result


def locations_with_plans(school: School) -> QuerySet[Location]:
    return (
        Location.objects.filter(school=school)
        .select_related("plan")
        .annotate(asset_count=Count("assets", filter=~Q(assets__state=AssetState.DISPOSED)))
        .order_by("name")
    )


# --- software -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    product: SoftwareProduct
    installed: int

    @property
    def over(self) -> int:
        if not self.product.counts_seats:
            return 0
        return max(0, self.installed - self.product.seats)

    @property
    def unused(self) -> int:
        if not self.product.counts_seats:
            return 0
        return max(0, self.product.seats - self.installed)


def reconciliation(school: School) -> list[Reconciliation]:
    """Seats bought against installations found, per product (duty "Software licences
    reconciled", docs/policy-map.md)."""
    products = SoftwareProduct.objects.filter(school=school).annotate(
        live=Count("installations", filter=Q(installations__removed_at__isnull=True))
    )
    return [Reconciliation(product, int(getattr(product, "live", 0))) for product in products]


def installations_of(product: SoftwareProduct) -> QuerySet[Installation]:
    return (
        Installation.objects.filter(product=product, removed_at__isnull=True)
        .select_related("asset")
        .order_by("asset__asset_tag")
    )


# --- the dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class EquipmentSummary:
    overdue: list[Loan]
    overdue_count: int
    awaiting_agreement: int
    awaiting_permission: int
    losses: list[LossReport]
    breaches: list[object]
    plans_due: list[AuditPlan]
    at_risk: int


def equipment_summary(school: School) -> EquipmentSummary:
    today = timezone.localdate()
    overdue = overdue_loans(school, today=today)
    losses = (
        LossReport.objects.filter(school=school, found_at__isnull=True)
        .select_related("asset", "holder")
        .order_by("-reported_at")[:10]
    )
    return EquipmentSummary(
        overdue=list(overdue[:10]),
        overdue_count=overdue.count(),
        awaiting_agreement=Loan.objects.filter(
            school=school, state=LoanState.AWAITING_AGREEMENT
        ).count(),
        awaiting_permission=Loan.objects.filter(
            school=school, state=LoanState.AWAITING_PERMISSION
        ).count(),
        losses=list(losses),
        breaches=list(open_breaches(school)),
        plans_due=list(plans_due(school, today=today, days=0)),
        at_risk=Asset.objects.filter(school=school, holds_personal_data=True, encrypted=False)
        .exclude(state__in=[AssetState.DISPOSED, AssetState.WRITTEN_OFF])
        .count(),
    )
