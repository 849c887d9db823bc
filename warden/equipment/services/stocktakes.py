"""Stocktakes: how often each location is counted, and the counts themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.equipment import rules
from warden.equipment.models import Asset, AssetState, AuditPlan, Location, Stocktake, StocktakeLine


@transaction.atomic
def audit_plan_set(
    *, actor: User | None, location: Location, interval_days: int, next_due: dt.date
) -> AuditPlan:
    """Set how often a location is counted and when the next count is due."""
    if not 7 <= interval_days <= 1095:
        raise ServiceError(
            "Count a location between every week and every three years.",
            field_errors={"interval_days": ["Choose between 7 and 1,095 days."]},
        )
    plan = AuditPlan.objects.filter(location=location).first()
    before = snapshot(plan) if plan else {}
    if plan is None:
        plan = AuditPlan(school=location.school, location=location)
    plan.interval_days = interval_days
    plan.next_due = next_due
    changes = diff(before, snapshot(plan))
    if changes:
        plan.save()
        audit_log(actor=actor, action="audit_plan.set", obj=plan, changes=changes)
    return plan


@transaction.atomic
def stocktake_start(*, actor: User | None, location: Location) -> Stocktake:
    """Begin counting a location: every asset recorded there is expected."""
    if Stocktake.objects.filter(location=location, completed_at__isnull=True).exists():
        raise ServiceError(f"A stocktake of {location} is already under way; finish that one.")
    stocktake = Stocktake.objects.create(
        school=location.school, location=location, started_at=timezone.now(), started_by=actor
    )
    expected = Asset.objects.filter(location=location).exclude(
        state__in=[AssetState.DISPOSED, AssetState.LOST, AssetState.STOLEN, AssetState.WRITTEN_OFF]
    )
    StocktakeLine.objects.bulk_create(
        [StocktakeLine(stocktake=stocktake, asset=asset) for asset in expected]
    )
    audit_log(
        actor=actor,
        action="stocktake.started",
        obj=stocktake,
        changes={"location": [None, location.name], "expected": [None, expected.count()]},
    )
    return stocktake


@transaction.atomic
def stocktake_mark(
    *, actor: User | None, stocktake: Stocktake, asset: Asset, how: str = "scan"
) -> StocktakeLine:
    """Record an asset as seen: by scanning its label or ticking it off the list.

    An asset found that was recorded elsewhere is added (not expected) so the list shows it.
    """
    if stocktake.completed_at is not None:
        raise ServiceError("This stocktake is finished; start a new one.")
    if asset.school_id != stocktake.school_id:
        raise ServiceError("That asset belongs to another school.")
    line, _ = StocktakeLine.objects.get_or_create(
        stocktake=stocktake, asset=asset, defaults={"expected": False}
    )
    if line.seen_at is not None:
        return line
    now = timezone.now()
    line.seen_at, line.seen_by, line.how = now, actor, how if how in ("scan", "confirm") else "scan"
    line.save()
    Asset.objects.filter(pk=asset.pk).update(last_audited_at=now)
    audit_log(
        actor=actor,
        action="stocktake.seen",
        obj=stocktake,
        changes={"asset": [None, asset.asset_tag], "how": [None, line.how]},
    )
    return line


@transaction.atomic
def stocktake_complete(*, actor: User | None, stocktake: Stocktake, notes: str = "") -> Stocktake:
    """Finish a count: what was not seen is missing, and the plan's next date moves on."""
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.completed_at is not None:
        raise ServiceError("This stocktake is already finished.")
    stocktake.completed_at = timezone.now()
    stocktake.completed_by = actor
    stocktake.notes = notes.strip()
    stocktake.save()
    missing = stocktake.lines.filter(expected=True, seen_at__isnull=True).count()
    plan = AuditPlan.objects.filter(location_id=stocktake.location_id).first()
    changes: dict[str, Any] = {"missing": [None, missing]}
    if plan is not None:
        old = plan.next_due
        plan.next_due = rules.audit_next_due(timezone.localdate(), plan.interval_days)
        plan.save(update_fields=["next_due"])
        changes["next_due"] = [old.isoformat(), plan.next_due.isoformat()]
    audit_log(actor=actor, action="stocktake.completed", obj=stocktake, changes=changes)
    return stocktake
