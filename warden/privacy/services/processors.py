"""The processors and cloud services register: each system's data-protection record, the
SIRO's approval, and the SIRO's override for one pupil on a system not approved."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from warden.accounts.models import System
from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.core.roles import PrivacyPerm
from warden.core.uploads import Scan
from warden.people.models import Person
from warden.privacy.models import DataCategory, ProcessorOverride, ProcessorRecord, StorageRegion

RECORD_FIELDS = [
    "processor_name",
    "data_categories",
    "dpa_signed_on",
    "dpia_on",
    "dpia_review_on",
    "storage",
    "notes",
]


def _require(actor: User | None, system: System, perm: str, words: str) -> None:
    if actor is not None and not has_perm(actor, perm, system.school_id):
        raise ServiceError(words)


def _attach(record: ProcessorRecord, field: str, scan: Scan | None) -> None:
    if scan is None:
        return
    digest = hashlib.sha256(scan.content).hexdigest()
    setattr(record, f"{field}_sha256", digest)
    getattr(record, f"{field}_file").save(
        f"{record.school_id}-{digest[:12]}-{scan.name}", ContentFile(scan.content), save=False
    )


@transaction.atomic
def processor_record_save(
    *,
    actor: User | None,
    system: System,
    processor_name: str,
    data_categories: Iterable[str],
    storage: str,
    dpa_signed_on: dt.date | None = None,
    dpia_on: dt.date | None = None,
    dpia_review_on: dt.date | None = None,
    notes: str = "",
    dpa_scan: Scan | None = None,
    dpia_scan: Scan | None = None,
) -> ProcessorRecord:
    """Write a system's data-protection record. A changed record needs approving again: the
    SIRO approved what it said before."""
    _require(
        actor,
        system,
        PrivacyPerm.PROCESSORS_MANAGE,
        "Only the SIRO keeps systems' data-protection records.",
    )
    chosen = sorted(set(data_categories))
    errors: dict[str, list[str]] = {}
    if not processor_name.strip():
        errors["processor_name"] = ["Name the company that processes the data."]
    if not set(chosen) <= set(DataCategory.values):
        errors["data_categories"] = ["Choose the categories from the list."]
    if storage not in StorageRegion.values:
        errors["storage"] = ["Say where the data is stored."]
    if dpia_review_on and dpia_on and dpia_review_on <= dpia_on:
        errors["dpia_review_on"] = ["The review is due after the DPIA was carried out."]
    if errors:
        raise ServiceError(
            "The record was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    record = ProcessorRecord.objects.select_for_update().filter(system=system).first()
    before = snapshot(record, RECORD_FIELDS) if record else {}
    if record is None:
        record = ProcessorRecord(school=system.school, system=system)
    record.processor_name = processor_name.strip()[:200]
    record.data_categories = chosen
    record.storage = storage
    record.dpa_signed_on = dpa_signed_on
    record.dpia_on = dpia_on
    record.dpia_review_on = dpia_review_on
    record.notes = notes.strip()
    _attach(record, "dpa", dpa_scan)
    _attach(record, "dpia", dpia_scan)
    after = snapshot(record, RECORD_FIELDS)
    changed = diff(before, after)
    if dpa_scan:
        changed["dpa_sha256"] = [None, record.dpa_sha256]
    if dpia_scan:
        changed["dpia_sha256"] = [None, record.dpia_sha256]
    if record.approved and changed:
        record.approved = False
        record.approved_at = None
        record.approved_by = None
        changed["approved"] = [True, False]
    record.save()
    audit_log(actor=actor, action="processor.recorded", obj=record, changes=changed)
    return record


def approval_problems(record: ProcessorRecord) -> list[str]:
    """What a record lacks before the SIRO may approve it (Art. 28(3): a contract with the
    processor's GDPR terms; Art. 35: a DPIA for high-risk processing, kept under review)."""
    problems = []
    if record.dpa_signed_on is None or not record.dpa_file:
        problems.append("the contract with GDPR clauses (its date and the signed file)")
    if record.dpia_on is None or not record.dpia_file:
        problems.append("the DPIA (its date and the file)")
    if record.dpia_review_on is None:
        problems.append("the DPIA's review date")
    return problems


@transaction.atomic
def processor_record_approve(
    *, actor: User | None, record: ProcessorRecord, approved: bool
) -> ProcessorRecord:
    """The SIRO approves (or withdraws approval of) a system's data-protection record."""
    record = ProcessorRecord.objects.select_for_update().select_related("system").get(pk=record.pk)
    _require(
        actor,
        record.system,
        PrivacyPerm.PROCESSORS_MANAGE,
        "Only the SIRO approves systems' data-protection records.",
    )
    if approved:
        problems = approval_problems(record)
        if problems:
            raise ServiceError(
                f"{record.system} cannot be approved yet: add " + "; ".join(problems) + "."
            )
    if record.approved == approved:
        return record
    record.approved = approved
    record.approved_at = timezone.now() if approved else None
    record.approved_by = actor if approved else None
    record.save()
    audit_log(
        actor=actor,
        action="processor.approved" if approved else "processor.approval_withdrawn",
        obj=record,
        changes={"approved": [not approved, approved]},
    )
    return record


@transaction.atomic
def processor_override_grant(
    *, actor: User | None, system: System, person: Person, reason: str
) -> ProcessorOverride:
    """The SIRO lets one pupil have an account on a system whose data-protection record is
    not approved, with the reason (audited)."""
    _require(
        actor,
        system,
        PrivacyPerm.PROCESSOR_OVERRIDE,
        "Only the SIRO may let a pupil use a system whose data-protection record is not approved.",
    )
    if person.school_id != system.school_id:
        raise ServiceError(f"{person} is not at {system.school}.")
    if len(reason.strip()) < 10:
        raise ServiceError(
            "Give the reason for the override (why this pupil needs the system now).",
            field_errors={"reason": ["Give the reason for the override."]},
        )
    if ProcessorOverride.objects.filter(system=system, person=person).exists():
        raise ServiceError(f"{person} already has an override for {system}.")
    override = ProcessorOverride.objects.create(
        school=system.school,
        system=system,
        person=person,
        reason=reason.strip()[:300],
        granted_at=timezone.now(),
        granted_by=actor,
    )
    audit_log(
        actor=actor,
        action="processor.override_granted",
        obj=override,
        changes={
            "system": [None, system.name],
            "person": [None, person.pk],
            "reason": [None, override.reason],
        },
    )
    return override
