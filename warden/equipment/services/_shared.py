"""Helpers the equipment service modules share; private to this package."""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils import timezone

from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment.models import (
    Asset,
    DeviceRequest,
    InstallRequest,
    Loan,
    PhoneRequest,
    RequestState,
)
from warden.people.models import Person, Status


def _words(text: str) -> str:
    return " ".join((text or "").split())


def _locked_asset(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().select_related("school__trust").get(pk=asset.pk)


def _check_borrower(person: Person, school: School) -> None:
    if person.school_id != school.pk:
        raise ServiceError("The borrower must be on this school's register.")
    if person.status == Status.LEFT:
        raise ServiceError(f"{person} has left the school; equipment cannot be lent to them.")


def _set_asset_state(actor: User | None, asset: Asset, state: str, cause: Any) -> None:
    if asset.state == state:
        return
    old = asset.state
    asset.state = state
    asset.save(update_fields=["state", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.state_changed",
        obj=asset,
        changes={"state": [old, state], "because": [None, str(cause)]},
    )


def _close(loan: Loan, state: str) -> None:
    loan.state = state
    loan.link_token_hash = ""


_Decided = TypeVar("_Decided", InstallRequest, DeviceRequest, PhoneRequest)


def _request_decide(
    *, actor: User | None, request: _Decided, approve: bool, note: str, action: str
) -> _Decided:
    """Approve or refuse a pending request of any kind; a refusal must say why, so the
    requester knows. ``action`` names it in the audit trail (``<action>.approved``)."""
    request = type(request).objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise ServiceError("This request has already been decided.")
    if not approve and len(_words(note)) < 3:
        raise ServiceError(
            "Say why the request is refused, so the requester knows.",
            field_errors={"note": ["Give the reason."]},
        )
    request.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = _words(note)[:300]
    request.save()
    audit_log(
        actor=actor,
        action=f"{action}.approved" if approve else f"{action}.refused",
        obj=request,
        changes={"state": ["pending", request.state], "note": [None, request.decision_note]},
    )
    return request
