"""Locations and assets: the register's own records (states change through loans, losses
and disposal)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import School, User
from warden.equipment import rules
from warden.equipment.models import Asset, AssetState, AssetType, Location
from warden.equipment.services._shared import _locked_asset, _words

# Asset fields a form, an import or the demo may set.
ASSET_FIELDS = (
    "asset_tag",
    "asset_type",
    "make",
    "model",
    "serial",
    "location",
    "purchase_date",
    "warranty_until",
    "holds_personal_data",
    "encrypted",
    "antivirus",
    "mdm_enrolled",
    "screen_lock",
    "pin_set",
    "security_checked_on",
    "notes",
)


@transaction.atomic
def location_create(*, actor: User | None, school: School, name: str) -> Location:
    """Add a room or store where assets live and stocktakes are done."""
    name = _words(name)
    if not name:
        raise ServiceError("Give the location a name, e.g. ICT suite or Server room.")
    if Location.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"{school.name} already has a location called {name}.")
    location = Location.objects.create(school=school, name=name)
    audit_log(actor=actor, action="location.created", obj=location, changes={"name": [None, name]})
    return location


def asset_problems(asset: Asset) -> dict[str, list[str]]:
    """Field errors for an asset record, in words that say what to fix."""
    errors: dict[str, list[str]] = {}
    if not asset.asset_tag.strip():
        errors["asset_tag"] = ["Every asset needs the tag on its label."]
    if asset.asset_type not in AssetType.values:
        errors["asset_type"] = [
            f"“{asset.asset_type}” is not a type of equipment; choose one from the list."
        ]
    if asset.location is not None and asset.location.school_id != asset.school_id:
        errors["location"] = ["Choose a location at this school."]
    if asset.purchase_date and asset.warranty_until and asset.warranty_until < asset.purchase_date:
        errors["warranty_until"] = ["The warranty ends before the purchase date; correct one."]
    clash = Asset.objects.filter(school_id=asset.school_id, asset_tag=asset.asset_tag)
    if asset.pk:
        clash = clash.exclude(pk=asset.pk)
    if asset.asset_tag and clash.exists():
        errors.setdefault("asset_tag", []).append(
            f"Asset tag {asset.asset_tag} is already used at this school."
        )
    if asset.serial:
        clash = Asset.objects.filter(school_id=asset.school_id, serial=asset.serial)
        if asset.pk:
            clash = clash.exclude(pk=asset.pk)
        other = clash.first()
        if other is not None:
            errors["serial"] = [f"Serial {asset.serial} is already recorded on {other.asset_tag}."]
    return errors


def _raise_asset_problems(asset: Asset) -> None:
    errors = asset_problems(asset)
    if errors:
        raise ServiceError(
            f"The asset was not saved: {next(iter(errors.values()))[0]}", field_errors=errors
        )


@transaction.atomic
def asset_create(*, actor: User | None, school: School, fields: Mapping[str, Any]) -> Asset:
    """Register an asset with its serial number, authorised by whoever has the right to
    manage equipment (duties "Equipment logged with its serial number" and "Equipment
    allocated with ICT authorisation", docs/policy-map.md)."""
    asset = Asset(school=school)
    set_fields(asset, fields, ASSET_FIELDS)
    if "holds_personal_data" not in fields:
        asset.holds_personal_data = rules.default_holds_personal_data(asset.asset_type)
    _raise_asset_problems(asset)
    asset.save()
    audit_log(actor=actor, action="asset.created", obj=asset, changes=diff({}, snapshot(asset)))
    return asset


@transaction.atomic
def asset_update(*, actor: User | None, asset: Asset, fields: Mapping[str, Any]) -> Asset:
    """Change an asset's details; its state changes only through loans, losses, disposal."""
    asset = _locked_asset(asset)
    if asset.state == AssetState.DISPOSED:
        raise ServiceError("This asset has been disposed of; its record is kept as it was.")
    before = snapshot(asset)
    set_fields(asset, fields, ASSET_FIELDS)
    changes = diff(before, snapshot(asset))
    if not changes:
        return asset
    _raise_asset_problems(asset)
    asset.save()
    audit_log(actor=actor, action="asset.updated", obj=asset, changes=changes)
    return asset


@transaction.atomic
def asset_set_state(*, actor: User | None, asset: Asset, state: str, note: str = "") -> Asset:
    """Send an asset to repair or back into stock (the states a technician sets by hand)."""
    asset = _locked_asset(asset)
    allowed = {AssetState.IN_STOCK, AssetState.IN_REPAIR}
    if state not in allowed:
        raise ServiceError("Only ‘in stock’ and ‘in repair’ are set by hand.")
    if asset.state not in allowed:
        raise ServiceError(
            f"The asset is {asset.get_state_display().lower()}; that is changed by checking it "
            "in, recording it found, or not at all once disposed."
        )
    if asset.state == state:
        return asset
    before = snapshot(asset, ["state"])
    asset.state = state
    asset.save(update_fields=["state", "updated_at"])
    changes = diff(before, snapshot(asset, ["state"]))
    if note:
        changes["note"] = [None, note]
    audit_log(actor=actor, action="asset.state_changed", obj=asset, changes=changes)
    return asset
