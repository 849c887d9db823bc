"""Removable media and off-site data: secure wipes of media, and the headteacher's
permission to take personal data off site."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.roles import PrivacyPerm
from warden.equipment.models import Asset, WipingMethod
from warden.people.models import Person
from warden.privacy import rules
from warden.privacy.models import MediaWipe, OffSitePermission


@transaction.atomic
def media_wipe_record(
    *, actor: User | None, asset: Asset, method: str, note: str = ""
) -> MediaWipe:
    """Record a secure wipe of removable media: it may then be lent again or disposed of."""
    if actor is not None and not has_perm(actor, PrivacyPerm.MEDIA_WIPE, asset.school_id):
        raise ServiceError("Only the ICT team records secure wipes.")
    if not rules.is_removable_media(asset.asset_type):
        raise ServiceError(f"{asset.asset_tag} is not removable media; wipe it on disposal.")
    if method not in WipingMethod.values or method == WipingMethod.NO_STORAGE:
        raise ServiceError(
            "Choose how the media was wiped.", field_errors={"method": ["Choose a method."]}
        )
    if asset.is_gone:
        raise ServiceError(f"{asset.asset_tag} is {asset.get_state_display().lower()}.")
    wipe = MediaWipe.objects.create(
        school=asset.school,
        asset=asset,
        method=method,
        note=note.strip()[:300],
        wiped_at=timezone.now(),
        wiped_by=actor,
    )
    audit_log(
        actor=actor,
        action="media.wiped",
        obj=asset,
        changes={"method": [None, method], "note": [None, wipe.note]},
    )
    return wipe


@transaction.atomic
def off_site_permission_grant(
    *,
    actor: User | None,
    school: School,
    person: Person,
    data_description: str,
    purpose: str,
    starts_on: dt.date,
    ends_on: dt.date,
    device: Asset | None = None,
) -> OffSitePermission:
    """The headteacher's permission for a member of staff to take personal data off site
    (policy duty "Personal data leaves the site only encrypted": personal data leaves the
    school only "with the full permission of the head teacher"), on encrypted media."""
    if actor is not None and not has_perm(actor, PrivacyPerm.OFF_SITE_GRANT, school):
        raise ServiceError("Only the headteacher gives permission to take personal data off site.")
    if person.school_id != school.pk or not person.is_staff_member:
        raise ServiceError(
            f"{person} is not a member of staff at {school.name}.",
            field_errors={"person": ["Choose a member of staff."]},
        )
    errors = rules.off_site_refusal(
        starts_on=starts_on, ends_on=ends_on, data_description=data_description, purpose=purpose
    )
    if device is not None:
        if device.school_id != school.pk:
            errors["device"] = ["That device belongs to another school."]
        elif device.holds_personal_data and not device.encrypted:
            errors["device"] = [
                f"{device.asset_tag} is not encrypted: personal data leaves the site only "
                "encrypted. Choose an encrypted drive."
            ]
    if errors:
        raise ServiceError(
            "The permission was not recorded: " + next(iter(errors.values()))[0],
            field_errors=errors,
        )
    permission = OffSitePermission.objects.create(
        school=school,
        person=person,
        data_description=data_description.strip()[:300],
        purpose=purpose.strip()[:300],
        media=device,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_at=timezone.now(),
        granted_by=actor,
    )
    audit_log(
        actor=actor,
        action="off_site.granted",
        obj=permission,
        changes=diff(
            {},
            snapshot(
                permission,
                ["person", "data_description", "purpose", "media", "starts_on", "ends_on"],
            ),
        ),
    )
    return permission


@transaction.atomic
def off_site_permission_revoke(*, actor: User | None, permission: OffSitePermission) -> None:
    if actor is not None and not has_perm(actor, PrivacyPerm.OFF_SITE_GRANT, permission.school_id):
        raise ServiceError("Only the headteacher withdraws a permission.")
    permission = OffSitePermission.objects.select_for_update().get(pk=permission.pk)
    if permission.revoked_at is not None:
        raise ServiceError("This permission was already withdrawn.")
    permission.revoked_at = timezone.now()
    permission.revoked_by = actor
    permission.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        actor=actor,
        action="off_site.revoked",
        obj=permission,
        changes={"revoked_at": [None, permission.revoked_at.isoformat()]},
    )
