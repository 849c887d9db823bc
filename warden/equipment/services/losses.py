"""Loss and theft: reports that mark the asset and any open loan, and raise a possible
breach when ``breach.breach_reason`` says so."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.equipment import breach
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    Asset,
    AssetState,
    Loan,
    LoanState,
    LossKind,
    LossReport,
)
from warden.equipment.services._shared import _close, _locked_asset, _set_asset_state, _words


@transaction.atomic
def loss_report(
    *,
    actor: User | None,
    asset: Asset,
    kind: str,
    circumstances: str,
    happened_at: dt.datetime | None = None,
    police_reference: str = "",
) -> LossReport:
    """Report an asset lost or stolen (policy duty "Lost or stolen equipment reported at
    once", docs/policy-map.md).

    The asset and any open loan are marked; the asset's posture is kept as it was at the
    report, and a possible data breach is raised for the SIRO when ``breach.breach_reason``
    says so, stamped with the time of this report.
    """
    asset = _locked_asset(asset)
    if kind not in LossKind.values:
        raise ServiceError("Say whether the asset was lost or stolen.")
    if asset.state in (AssetState.DISPOSED, AssetState.LOST, AssetState.STOLEN):
        raise ServiceError(
            f"This asset is already recorded as {asset.get_state_display().lower()}."
        )
    if len(_words(circumstances)) < 10:
        raise ServiceError(
            "Describe what happened: where and when it was last seen, and how it went missing.",
            field_errors={"circumstances": ["Describe what happened (a sentence or two)."]},
        )
    now = timezone.now()
    if happened_at is not None and happened_at > now:
        raise ServiceError(
            "The time it went missing is in the future.",
            field_errors={"happened_at": ["Give a time before now."]},
        )
    open_loan = (
        Loan.objects.select_for_update()
        .filter(asset=asset, state__in=OPEN_LOAN_STATES)
        .select_related("person")
        .first()
    )
    report = LossReport.objects.create(
        school=asset.school,
        asset=asset,
        kind=kind,
        happened_at=happened_at or now,
        reported_at=now,
        reported_by=actor,
        holder=open_loan.person if open_loan else None,
        circumstances=circumstances.strip(),
        police_reference=_words(police_reference)[:60],
        held_personal_data=asset.holds_personal_data,
        was_encrypted=asset.encrypted,
    )
    audit_log(
        actor=actor,
        action="loss.reported",
        obj=report,
        changes=diff(
            {},
            snapshot(
                report,
                [
                    "asset",
                    "kind",
                    "happened_at",
                    "reported_at",
                    "holder",
                    "circumstances",
                    "police_reference",
                    "held_personal_data",
                    "was_encrypted",
                ],
            ),
        ),
    )
    if open_loan is not None:
        before_state = open_loan.state
        _close(open_loan, LoanState.WRITTEN_OFF if open_loan.is_issued else LoanState.CANCELLED)
        open_loan.written_off_reason = f"Reported {report.get_kind_display().lower()}"
        open_loan.returned_at = now
        open_loan.returned_by = actor
        open_loan.save()
        audit_log(
            actor=actor,
            action="loan.written_off" if before_state == LoanState.ISSUED else "loan.cancelled",
            obj=open_loan,
            changes={
                "state": [before_state, open_loan.state],
                "reason": [None, open_loan.written_off_reason],
            },
        )
    _set_asset_state(actor, asset, kind, report)
    breach.possible_breach_raise(report=report)
    return report


@transaction.atomic
def asset_found(*, actor: User | None, asset: Asset, note: str = "") -> Asset:
    """A lost or stolen asset has come back: into stock, and the report notes when."""
    asset = _locked_asset(asset)
    if asset.state not in (AssetState.LOST, AssetState.STOLEN):
        raise ServiceError("Only an asset recorded as lost or stolen can be found.")
    report = asset.loss_reports.filter(found_at__isnull=True).first()
    if report is not None:
        report.found_at = timezone.now()
        report.save(update_fields=["found_at"])
    _set_asset_state(actor, asset, AssetState.IN_STOCK, note or "found")
    return asset
