"""Software: licensed products, their installations and requests to install."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment.models import (
    Asset,
    AssetState,
    Installation,
    InstallRequest,
    RequestState,
    SoftwareProduct,
)
from warden.equipment.services._shared import _request_decide, _words

PRODUCT_FIELDS = ("name", "publisher", "licence_model", "seats", "renewal_on", "notes")


@transaction.atomic
def product_save(
    *,
    actor: User | None,
    school: School,
    fields: Mapping[str, Any],
    product: SoftwareProduct | None = None,
) -> SoftwareProduct:
    """Add a licensed product or change its seats and renewal date (duty "Software licences
    reconciled", docs/policy-map.md)."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    if product is not None:
        product = SoftwareProduct.objects.select_for_update().get(pk=product.pk)
    target = product or SoftwareProduct(school=school)
    before = snapshot(target) if product else {}
    for name, value in fields.items():
        setattr(
            target, name, _words(value) if isinstance(value, str) and name != "notes" else value
        )
    if not target.name:
        raise ServiceError("Enter the product's name.", field_errors={"name": ["Enter a name."]})
    clash = SoftwareProduct.objects.filter(school=school, name__iexact=target.name)
    if target.pk:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ServiceError(
            f"{target.name} is already on the list.",
            field_errors={"name": ["This product is already recorded."]},
        )
    if target.seats is None or target.seats < 0:
        raise ServiceError("Seats bought cannot be negative.")
    changes = diff(before, snapshot(target))
    if changes:
        target.save()
        audit_log(
            actor=actor,
            action="product.updated" if product else "product.created",
            obj=target,
            changes=changes,
        )
    return target


@transaction.atomic
def installation_record(
    *,
    actor: User | None,
    product: SoftwareProduct,
    asset: Asset,
    version: str = "",
    installed_on: dt.date | None = None,
) -> Installation:
    """Record that a licensed product is installed on a device (once per device)."""
    if asset.school_id != product.school_id:
        raise ServiceError("The device and the product belong to different schools.")
    if asset.state == AssetState.DISPOSED:
        raise ServiceError("Software cannot be installed on a disposed device.")
    existing = Installation.objects.filter(
        product=product, asset=asset, removed_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    installation = Installation.objects.create(
        school=product.school,
        product=product,
        asset=asset,
        version=_words(version)[:60],
        installed_on=installed_on,
        first_seen_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="installation.recorded",
        obj=installation,
        changes={"product": [None, product.name], "asset": [None, asset.asset_tag]},
    )
    return installation


def installations_remove(
    *,
    actor: User | None,
    installations: models.QuerySet[Installation],
    reason: str,
    school: School,
) -> int:
    """Mark installations as removed (the rows stay): their seats are free again."""
    rows = list(installations)
    if not rows:
        return 0
    now = timezone.now()
    for row in rows:
        row.removed_at = now
        row.removed_reason = reason[:200]
    Installation.objects.bulk_update(rows, ["removed_at", "removed_reason"])
    audit_log_many(
        actor=actor,
        action="installation.removed",
        items=[
            (row, {"removed_at": [None, now.isoformat()], "reason": [None, reason]}) for row in rows
        ],
        school=school,
    )
    return len(rows)


# The shortest reason that can say what software is for ("Year 4 coding unit" is 18).
INSTALL_REASON_MIN_CHARS = 5


@transaction.atomic
def install_request_create(
    *,
    actor: User | None,
    school: School,
    software_name: str,
    reason: str,
    product: SoftwareProduct | None = None,
    asset: Asset | None = None,
) -> InstallRequest:
    """Ask for software to be installed; nothing is installed until the ICT manager agrees
    (policy duty "Software installed only with authorisation", docs/policy-map.md)."""
    name = _words(software_name) or (product.name if product else "")
    if not name:
        raise ServiceError("Say which software you need.")
    if len(_words(reason)) < INSTALL_REASON_MIN_CHARS:
        wanted = (
            f"Say what the software is for in at least {INSTALL_REASON_MIN_CHARS} characters "
            "(for example, “Year 4 coding unit”)."
        )
        raise ServiceError(wanted, field_errors={"reason": [wanted]})
    for thing in (product, asset):
        if thing is not None and thing.school_id != school.pk:
            raise ServiceError("Choose a product and device at this school.")
    request = InstallRequest.objects.create(
        school=school,
        product=product,
        software_name=name[:200],
        asset=asset,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="install_request.created",
        obj=request,
        changes=diff({}, snapshot(request, ["software_name", "product", "asset", "reason"])),
    )
    return request


@transaction.atomic
def install_request_decide(
    *, actor: User | None, request: InstallRequest, approve: bool, note: str = ""
) -> InstallRequest:
    """The ICT manager approves or refuses an installation request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="install_request"
    )


@transaction.atomic
def install_request_complete(
    *, actor: User | None, request: InstallRequest, product: SoftwareProduct, asset: Asset
) -> InstallRequest:
    """The technician installed approved software: record the installation against it."""
    request = InstallRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.APPROVED:
        raise ServiceError("Only an approved request can be installed.")
    installation = installation_record(actor=actor, product=product, asset=asset)
    request.state = RequestState.DONE
    request.installation = installation
    request.product = product
    request.asset = asset
    request.save()
    audit_log(
        actor=actor,
        action="install_request.done",
        obj=request,
        changes={"state": ["approved", "done"], "installation": [None, installation.pk]},
    )
    return request
