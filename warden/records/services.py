"""Every write of the records area: the DPO contact and subject access requests.

Retention runs are written by ``records.retention_runs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.people.models import Person
from warden.records.bundle import SubjectSection, cell, sections_for
from warden.records.models import (
    DpoContact,
    ReceivedVia,
    SarStatus,
    SubjectAccessRequest,
)
from warden.records.retention import months_after

ONE_MONTH = 1
"""UK GDPR Art. 12(3): a request is answered within one month of receipt..."""
EXTENSION_MONTHS = 2
"""...which may be extended by two further months where requests are complex or numerous."""

_DPO_FIELDS = ["name", "email", "phone", "organisation", "school"]


@transaction.atomic
def dpo_set(
    *,
    actor: User,
    school: School,
    trust_wide: bool,
    name: str,
    email: str,
    phone: str = "",
    organisation: str = "",
) -> DpoContact:
    """Name the data protection officer of ``school``, or of its whole trust (every school
    without its own). A school's own contact replaces the trust's for that school only."""
    name, email = name.strip(), email.strip()
    errors = {}
    if not name:
        errors["name"] = ["Give the officer's name, or the name of the DPO service."]
    if not email:
        errors["email"] = ["Give an e-mail address people can write to the DPO at."]
    if errors:
        raise ServiceError("The DPO needs a name and an e-mail address.", field_errors=errors)
    contact = (
        DpoContact.everywhere.select_for_update()
        .filter(trust=school.trust, school=None if trust_wide else school)
        .first()
    )
    before = snapshot(contact, _DPO_FIELDS) if contact else {}
    if contact is None:
        contact = DpoContact(trust=school.trust, school=None if trust_wide else school)
    contact.name, contact.email = name, email
    contact.phone, contact.organisation = phone.strip(), organisation.strip()
    contact.updated_by = actor
    contact.save()
    audit_log(
        actor=actor,
        action="dpo_contact.set",
        obj=contact,
        school=school,
        changes=diff(before, snapshot(contact, _DPO_FIELDS)),
    )
    return contact


def sar_due_on(received_on: dt.date) -> dt.date:
    """One calendar month after receipt: the same date next month, or that month's last day
    when it has no such date (ICO: received 31 January, due 28 or 29 February)."""
    return months_after(received_on, ONE_MONTH)


@transaction.atomic
def sar_log(
    *,
    actor: User,
    school: School,
    person: Person,
    requester: str,
    received_via: str,
    received_on: dt.date,
) -> SubjectAccessRequest:
    """Log a subject access request about ``person`` as it was received; the one-month
    clock runs from ``received_on``."""
    if person.school_id != school.pk:
        raise ServiceError("That person is not in this school's register.")
    errors: dict[str, list[str]] = {}
    if not requester.strip():
        errors["requester"] = ["Say who asked, and how they relate to the person."]
    if received_via not in ReceivedVia.values:
        errors["received_via"] = ["Choose how the request came in."]
    if received_on > timezone.localdate():
        errors["received_on"] = ["The date received cannot be in the future."]
    if errors:
        raise ServiceError("The request could not be logged: see below.", field_errors=errors)
    sar = SubjectAccessRequest.objects.create(
        school=school,
        person=person,
        requester=requester.strip(),
        received_via=received_via,
        received_on=received_on,
        due_on=sar_due_on(received_on),
        logged_by=actor,
    )
    audit_log(
        actor=actor,
        action="subject_access.logged",
        obj=sar,
        changes=snapshot(sar, ["person", "requester", "received_via", "received_on", "due_on"]),
    )
    return sar


def _locked(sar: SubjectAccessRequest) -> SubjectAccessRequest:
    return SubjectAccessRequest.objects.select_for_update().select_related("person").get(pk=sar.pk)


def _require_open(sar: SubjectAccessRequest) -> None:
    if sar.status == SarStatus.RELEASED:
        raise ServiceError(f"{sar.reference} was released on {sar.released_at:%d/%m/%Y}.")


@transaction.atomic
def sar_extend(*, actor: User, sar: SubjectAccessRequest, reason: str) -> SubjectAccessRequest:
    """Extend the deadline by two further months (Art. 12(3)); once, with a reason, which
    the person asking must be told within the first month."""
    sar = _locked(sar)
    _require_open(sar)
    if sar.extended_to is not None:
        raise ServiceError("This request was extended already; it can be extended only once.")
    if not reason.strip():
        raise ServiceError(
            "Give the reason for the extension.",
            field_errors={"reason": ["Say why the request needs more time (complex, numerous)."]},
        )
    sar.extended_to = months_after(sar.due_on, EXTENSION_MONTHS)
    sar.extension_reason = reason.strip()
    sar.save(update_fields=["extended_to", "extension_reason"])
    audit_log(
        actor=actor,
        action="subject_access.extended",
        obj=sar,
        changes={"extended_to": sar.extended_to, "extension_reason": sar.extension_reason},
    )
    return sar


@transaction.atomic
def sar_identity_check(
    *, actor: User, sar: SubjectAccessRequest, method: str
) -> SubjectAccessRequest:
    """Record how the identity of the person asking was checked (and their right to ask for
    a child), which must come before anything is gathered."""
    sar = _locked(sar)
    _require_open(sar)
    if not method.strip():
        raise ServiceError(
            "Say how the identity was checked.",
            field_errors={"method": ["For example: passport seen at reception, known parent."]},
        )
    sar.identity_method = method.strip()
    sar.identity_checked_by = actor
    sar.identity_checked_at = timezone.now()
    if sar.status == SarStatus.RECEIVED:
        sar.status = SarStatus.IDENTITY_CHECKED
    sar.save()
    audit_log(
        actor=actor,
        action="subject_access.identity_checked",
        obj=sar,
        changes={"identity_method": sar.identity_method},
    )
    return sar


def sections_stored(person: Person) -> list[dict[str, Any]]:
    """Every area's sections about ``person`` as plain JSON, as a request keeps them."""
    stored = []
    for section in sections_for(person):
        data = asdict(section)
        data["columns"] = list(section.columns)
        data["rows"] = [[cell(value) for value in row] for row in section.rows]
        data["notes"] = list(section.notes)
        stored.append(data)
    return stored


def stored_section(data: dict[str, Any]) -> SubjectSection:
    return SubjectSection(
        key=data["key"],
        title=data["title"],
        columns=data["columns"],
        rows=data["rows"],
        notes=data.get("notes", []),
        withheld=data.get("withheld", ""),
        order=data.get("order", 100),
    )


@transaction.atomic
def sar_generate(*, actor: User, sar: SubjectAccessRequest) -> SubjectAccessRequest:
    """Gather everything held about the subject now. Items of a section that may fall under
    an exemption start left out, with the section's reason, for the reviewer to decide.
    Generating again replaces the previous bundle and its review."""
    sar = _locked(sar)
    _require_open(sar)
    if sar.identity_checked_at is None:
        raise ServiceError("Check the identity of the person asking before generating the bundle.")
    sar.sections = sections_stored(sar.person)
    sar.excluded = {
        f"{section['key']}/{index}": section["withheld"]
        for section in sar.sections
        if section.get("withheld")
        for index in range(len(section["rows"]))
    }
    sar.generated_by, sar.generated_at = actor, timezone.now()
    sar.reviewed_by, sar.reviewed_at = None, None
    sar.status = SarStatus.GENERATED
    sar.save()
    audit_log(
        actor=actor,
        action="subject_access.generated",
        obj=sar,
        changes={"sections": {s["key"]: len(s["rows"]) for s in sar.sections}},
    )
    return sar


def _item_exists(sar: SubjectAccessRequest, item: str) -> bool:
    key, _, index = item.partition("/")
    for section in sar.sections:
        if section["key"] == key and index.isdigit():
            return int(index) < len(section["rows"])
    return False


def _require_reviewing(sar: SubjectAccessRequest) -> None:
    _require_open(sar)
    if sar.status not in (SarStatus.GENERATED, SarStatus.REVIEWED):
        raise ServiceError("Generate the bundle first; then it can be reviewed.")


@transaction.atomic
def sar_exclude(
    *, actor: User, sar: SubjectAccessRequest, item: str, reason: str
) -> SubjectAccessRequest:
    """Leave one item out of the release, with the exemption or reason that applies (the
    serious-harm and safeguarding exemptions, another person's data that cannot be
    redacted, legal privilege)."""
    sar = _locked(sar)
    _require_reviewing(sar)
    if not _item_exists(sar, item):
        raise ServiceError("That item is not in this bundle; generate it again if it changed.")
    if not reason.strip():
        raise ServiceError(
            "Give the reason for leaving the item out.",
            field_errors={"reason": ["Name the exemption or reason, e.g. serious harm."]},
        )
    sar.excluded = {**sar.excluded, item: reason.strip()}
    sar.status, sar.reviewed_by, sar.reviewed_at = SarStatus.GENERATED, None, None
    sar.save(update_fields=["excluded", "status", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=actor,
        action="subject_access.item_excluded",
        obj=sar,
        changes={"item": item, "reason": reason.strip()},
    )
    return sar


@transaction.atomic
def sar_include(*, actor: User, sar: SubjectAccessRequest, item: str) -> SubjectAccessRequest:
    """Put a left-out item back into the release (the reviewer decided no exemption applies)."""
    sar = _locked(sar)
    _require_reviewing(sar)
    if item not in sar.excluded:
        raise ServiceError("That item is not left out.")
    sar.excluded = {key: why for key, why in sar.excluded.items() if key != item}
    sar.status, sar.reviewed_by, sar.reviewed_at = SarStatus.GENERATED, None, None
    sar.save(update_fields=["excluded", "status", "reviewed_by", "reviewed_at"])
    audit_log(actor=actor, action="subject_access.item_included", obj=sar, changes={"item": item})
    return sar


@transaction.atomic
def sar_review(*, actor: User, sar: SubjectAccessRequest) -> SubjectAccessRequest:
    """Mark the generated bundle reviewed: every item read, exemptions decided."""
    sar = _locked(sar)
    _require_reviewing(sar)
    sar.status, sar.reviewed_by, sar.reviewed_at = SarStatus.REVIEWED, actor, timezone.now()
    sar.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit_log(
        actor=actor,
        action="subject_access.reviewed",
        obj=sar,
        changes={"excluded": len(sar.excluded)},
    )
    return sar


@transaction.atomic
def sar_release(*, actor: User, sar: SubjectAccessRequest, via: str) -> SubjectAccessRequest:
    """Record that the reviewed bundle went to the person asking, and how."""
    sar = _locked(sar)
    _require_open(sar)
    if sar.status != SarStatus.REVIEWED:
        raise ServiceError("The bundle must be reviewed before it is released.")
    if not via.strip():
        raise ServiceError(
            "Say how the bundle was released.",
            field_errors={"via": ["For example: encrypted e-mail, collected in person."]},
        )
    sar.status, sar.released_by, sar.released_at = SarStatus.RELEASED, actor, timezone.now()
    sar.released_via = via.strip()
    sar.save(update_fields=["status", "released_by", "released_at", "released_via"])
    audit_log(
        actor=actor,
        action="subject_access.released",
        obj=sar,
        changes={"released_via": sar.released_via, "released_at": sar.released_at},
    )
    return sar


def person_export(*, actor: User | None, school: School, person: Person) -> bytes:
    """Everything held about ``person`` as a bundle (no review: for the SIRO or DPO to work
    from, e.g. answering a request outside Warden). Refuses a person of another school."""
    from warden.records.export import bundle_zip

    if person.school_id != school.pk:
        raise ServiceError(f"Person {person.pk} is not in the register of {school.name}.")
    with transaction.atomic():
        sections = sections_for(person)
        audit_log(
            actor=actor,
            action="subject_access.exported",
            obj=person,
            school=school,
            changes={"sections": {s.key: len(s.rows) for s in sections}},
        )
    return bundle_zip(
        school=school,
        person=person,
        sections=sections,
        excluded={},
        reference=f"{school.slug}-person-{person.pk}",
    )


def sar_bundle(*, actor: User, sar: SubjectAccessRequest) -> bytes:
    """The reviewed bundle as the zip to release (the download is audited)."""
    from warden.records.export import bundle_zip

    if sar.status not in (SarStatus.REVIEWED, SarStatus.RELEASED):
        raise ServiceError("Review the bundle before downloading it for release.")
    with transaction.atomic():
        audit_log(actor=actor, action="subject_access.downloaded", obj=sar)
    return bundle_zip(
        school=sar.school,
        person=sar.person,
        sections=[stored_section(section) for section in sar.sections],
        excluded=sar.excluded,
        reference=sar.reference,
    )
