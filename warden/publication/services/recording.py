"""Permissions to record images of pupils on a personal device (ICT policy §13d; the staff
agreement's "Photographs and Video": not without permission)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.core.roles import Perm
from warden.people.models import STAFF_TYPES, Person
from warden.publication.models import RecordingPermission
from warden.publication.services.media import _words

# A permission is for a stated occasion or term, not open-ended.
LONGEST_DAYS = 366


@transaction.atomic
def recording_permit(
    *,
    actor: User,
    staff: Person,
    device: str,
    conditions: str,
    valid_from: dt.date,
    valid_until: dt.date,
) -> RecordingPermission:
    """A senior leader permits a member of staff to record images of pupils on a personal
    device, from one day to another, on conditions. The one who records it is the senior
    leader who agreed, so they must hold the right (headteacher or SLT)."""
    school = staff.school
    if not has_perm(actor, Perm.RECORDING_APPROVE, school):
        raise ServiceError(
            "Only a senior leader (the headteacher or SLT) may permit recording on a personal "
            "device."
        )
    errors: dict[str, list[str]] = {}
    if staff.person_type not in STAFF_TYPES:
        errors["staff"] = ["Choose a member of staff."]
    if not _words(device):
        errors["device"] = ["Say which device, e.g. personal iPhone 14."]
    if len(_words(conditions).split()) < 3:
        errors["conditions"] = [
            "Give the conditions, e.g. school trip only; images moved to the Media Drive "
            "and deleted from the phone the same day."
        ]
    if valid_until < valid_from:
        errors["valid_until"] = ["The last day comes on or after the first."]
    elif (valid_until - valid_from).days > LONGEST_DAYS:
        errors["valid_until"] = ["Permit a year at most; renew it when it ends."]
    elif valid_until < timezone.localdate():
        errors["valid_until"] = ["The last day has passed already."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    permission = RecordingPermission.objects.create(
        school=school,
        staff=staff,
        device=_words(device)[:200],
        conditions=conditions.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        agreed_by=actor,
        agreed_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="recording.permitted",
        obj=permission,
        changes=diff(
            {},
            snapshot(permission, ["staff", "device", "valid_from", "valid_until", "conditions"]),
        ),
    )
    return permission


@transaction.atomic
def recording_end(*, actor: User, permission: RecordingPermission) -> RecordingPermission:
    """End a permission before its last day; the record stays."""
    permission = RecordingPermission.objects.select_for_update().get(pk=permission.pk)
    if permission.ended_at is not None or permission.valid_until < timezone.localdate():
        raise ServiceError("This permission has already ended.")
    permission.ended_at, permission.ended_by = timezone.now(), actor
    permission.save(update_fields=["ended_at", "ended_by"])
    audit_log(
        actor=actor,
        action="recording.ended",
        obj=permission,
        changes={"ended_at": [None, permission.ended_at.isoformat()]},
    )
    return permission
