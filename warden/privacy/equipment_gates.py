"""The data-protection area's refusal to lend or dispose of removable media not securely
wiped since its last return (``equipment.services.loans.gate_refusal`` consults every
``REFUSALS``)."""

from __future__ import annotations

from warden.equipment.models import Asset
from warden.privacy import rules, selectors


def wipe_gate(asset: Asset, *, for_disposal: bool) -> str | None:
    if not rules.is_removable_media(asset.asset_type):
        return None
    wipe = selectors.last_wipe(asset)
    return rules.wipe_refusal(
        asset_tag=asset.asset_tag,
        asset_type=asset.asset_type,
        last_returned_at=selectors.last_returned_at(asset),
        last_wiped_at=wipe.wiped_at if wipe else None,
        for_disposal=for_disposal,
    )


REFUSALS = [wipe_gate]
