"""Personal devices, pupils' phones and guest Wi-Fi.

Whether pupils may bring phones at all is the school's communications matrix, kept by an
area above this one: each area that has a say lists callables ``(school) -> str | None`` in
``<app>/phone_rules.py`` as ``PUPIL_PHONES`` (governance does), and a phone request is
refused with the first one's words.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.registry import collect
from warden.equipment.models import DeviceRequest, GuestWifiSession, PhoneHandIn, PhoneRequest
from warden.equipment.services._shared import _request_decide, _words
from warden.people.models import Guardianship, Person, PersonType

_MAC = re.compile(r"^[0-9A-F]{2}([:-]?)[0-9A-F]{2}(\1[0-9A-F]{2}){4}$")


def normalise_mac(raw: str) -> str:
    """A MAC address as six colon-separated upper-case pairs, or ``ServiceError``."""
    text = raw.strip().upper()
    if not _MAC.match(text):
        raise ServiceError(
            "That is not a MAC address; it looks like 3C:22:FB:01:A2:9E.",
            field_errors={
                "mac_address": ["Enter six pairs of hex digits, e.g. 3C:22:FB:01:A2:9E."]
            },
        )
    digits = re.sub(r"[^0-9A-F]", "", text)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@transaction.atomic
def device_request_create(
    *, actor: User | None, person: Person, device: str, reason: str
) -> DeviceRequest:
    """A member of staff asks to connect a personal device to the school network.

    Policy duty "Personal devices connect only with permission" (docs/policy-map.md): not
    without SLT's permission, and the connection is set up by Technical Support.
    """
    if person.person_type not in (
        PersonType.TEACHING_STAFF,
        PersonType.SUPPORT_STAFF,
        PersonType.SUPPLY_STAFF,
    ):
        raise ServiceError("Personal devices are requested for members of staff.")
    if not _words(device) or len(_words(reason)) < 5:
        raise ServiceError("Say what the device is and why it needs the network.")
    request = DeviceRequest.objects.create(
        school=person.school,
        person=person,
        device=_words(device)[:200],
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="device_request.created",
        obj=request,
        changes=diff({}, snapshot(request, ["person", "device", "reason"])),
    )
    return request


@transaction.atomic
def device_request_decide(
    *, actor: User | None, request: DeviceRequest, approve: bool, note: str = ""
) -> DeviceRequest:
    """SLT approve or refuse a personal device request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="device_request"
    )


@transaction.atomic
def device_request_set_up(
    *, actor: User | None, request: DeviceRequest, mac_address: str, serial: str
) -> DeviceRequest:
    """Technical Support connected the approved device; its MAC and serial are kept."""
    request = DeviceRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != DeviceRequest.State.APPROVED:
        raise ServiceError("Only a device SLT have approved can be set up.")
    mac = normalise_mac(mac_address)
    if not _words(serial):
        raise ServiceError(
            "Record the device's serial number.", field_errors={"serial": ["Enter the serial."]}
        )
    request.state = DeviceRequest.State.CONNECTED
    request.mac_address, request.serial = mac, _words(serial)[:80]
    request.set_up_by, request.set_up_at = actor, timezone.now()
    request.save()
    audit_log(
        actor=actor,
        action="device_request.set_up",
        obj=request,
        changes={
            "state": ["approved", "connected"],
            "mac_address": [None, mac],
            "serial": [None, request.serial],
        },
    )
    return request


@transaction.atomic
def device_request_revoke(
    *, actor: User | None, request: DeviceRequest, note: str
) -> DeviceRequest:
    """Remove a personal device's connection; the request and its record stay."""
    request = DeviceRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != DeviceRequest.State.CONNECTED:
        raise ServiceError("Only a connected device can be disconnected.")
    old = request.state
    request.state = DeviceRequest.State.REVOKED
    request.decision_note = _words(note)[:300] or request.decision_note
    request.save()
    audit_log(
        actor=actor,
        action="device_request.revoked",
        obj=request,
        changes={"state": [old, request.state], "note": [None, note]},
    )
    return request


@transaction.atomic
def phone_request_record(
    *, actor: User | None, pupil: Person, parent: Person, reason: str, received_on: dt.date
) -> PhoneRequest:
    """Record a parent's request form for their child to bring a phone (duty "Pupils'
    phones need a parent's request", docs/policy-map.md)."""
    if pupil.person_type != PersonType.PUPIL:
        raise ServiceError("Phone requests are for pupils.")
    for rule in collect("phone_rules", "PUPIL_PHONES"):
        refusal = rule(pupil.school)
        if refusal:
            raise ServiceError(refusal)
    if not Guardianship.objects.filter(
        pupil=pupil, parent=parent, parental_responsibility=True
    ).exists():
        raise ServiceError(
            f"{parent} is not linked to {pupil} as a parent or carer with parental "
            "responsibility; only they can make the request.",
            field_errors={"parent": ["Choose a parent with parental responsibility."]},
        )
    if len(_words(reason)) < 5:
        raise ServiceError("Give the parent's reason.", field_errors={"reason": ["Give a reason."]})
    request = PhoneRequest.objects.create(
        school=pupil.school,
        pupil=pupil,
        parent=parent,
        reason=reason.strip(),
        received_on=received_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="phone_request.recorded",
        obj=request,
        changes=diff({}, snapshot(request, ["pupil", "parent", "reason", "received_on"])),
    )
    return request


@transaction.atomic
def phone_request_decide(
    *, actor: User | None, request: PhoneRequest, approve: bool, note: str = ""
) -> PhoneRequest:
    """The school approves or refuses a parent's phone request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="phone_request"
    )


@transaction.atomic
def phone_hand_in(*, actor: User | None, request: PhoneRequest) -> PhoneHandIn:
    """The pupil hands the phone in at the office on arrival (duty "Pupils' phones need a
    parent's request", docs/policy-map.md)."""
    if request.state != PhoneRequest.State.APPROVED:
        raise ServiceError(
            f"{request.pupil} has no approved phone request; the phone cannot be kept in school."
        )
    today = timezone.localdate()
    if PhoneHandIn.objects.filter(request=request, day=today).exists():
        raise ServiceError(f"{request.pupil}'s phone was already handed in today.")
    hand_in = PhoneHandIn.objects.create(
        school=request.school,
        request=request,
        day=today,
        handed_in_at=timezone.now(),
        received_by=actor,
    )
    audit_log(
        actor=actor,
        action="phone.handed_in",
        obj=hand_in,
        changes={"pupil": [None, request.pupil_id], "day": [None, today.isoformat()]},
    )
    return hand_in


@transaction.atomic
def phone_collect(*, actor: User | None, hand_in: PhoneHandIn) -> PhoneHandIn:
    """The pupil collects the phone from the office at the end of the day."""
    hand_in = PhoneHandIn.objects.select_for_update().get(pk=hand_in.pk)
    if hand_in.collected_at is not None:
        raise ServiceError("This phone has already been collected.")
    hand_in.collected_at = timezone.now()
    hand_in.returned_by = actor
    hand_in.save(update_fields=["collected_at", "returned_by"])
    audit_log(
        actor=actor,
        action="phone.collected",
        obj=hand_in,
        changes={"collected_at": [None, hand_in.collected_at.isoformat()]},
    )
    return hand_in


@transaction.atomic
def wifi_session_start(
    *,
    actor: User | None,
    school: School,
    visitor_name: str,
    purpose: str,
    supervisor: Person,
    organisation: str = "",
    device: str = "",
    visitor: Person | None = None,
) -> GuestWifiSession:
    """Log a visitor's guest Wi-Fi access: who, why, and who supervised (duty "Guest Wi-Fi
    use logged and supervised", docs/policy-map.md)."""
    if not _words(visitor_name) or not _words(purpose):
        raise ServiceError("Give the visitor's name and why they need the Wi-Fi.")
    if supervisor.school_id != school.pk or supervisor.person_type not in (
        PersonType.TEACHING_STAFF,
        PersonType.SUPPORT_STAFF,
    ):
        raise ServiceError(
            "The supervisor is a member of staff at this school.",
            field_errors={"supervisor": ["Choose a member of staff."]},
        )
    session = GuestWifiSession.objects.create(
        school=school,
        visitor_name=_words(visitor_name)[:200],
        organisation=_words(organisation)[:200],
        visitor=visitor,
        purpose=_words(purpose)[:300],
        supervisor=supervisor,
        device=_words(device)[:200],
        started_at=timezone.now(),
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="guest_wifi.started",
        obj=session,
        changes=diff(
            {}, snapshot(session, ["visitor_name", "organisation", "purpose", "supervisor"])
        ),
    )
    return session


@transaction.atomic
def wifi_session_end(*, actor: User | None, session: GuestWifiSession) -> GuestWifiSession:
    """Record the end of a visitor's guest Wi-Fi access."""
    session = GuestWifiSession.objects.select_for_update().get(pk=session.pk)
    if session.ended_at is not None:
        raise ServiceError("This visitor's access has already ended.")
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    audit_log(
        actor=actor,
        action="guest_wifi.ended",
        obj=session,
        changes={"ended_at": [None, session.ended_at.isoformat()]},
    )
    return session
