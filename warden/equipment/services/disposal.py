"""Disposal: approved companies, batches for collection and their certificates."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.uploads import Scan
from warden.equipment import rules
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    Asset,
    AssetState,
    DisposalBatch,
    DisposalCompany,
    Installation,
    Loan,
    WipingMethod,
)
from warden.equipment.services._shared import _locked_asset, _words
from warden.equipment.services.loans import gate_refusal
from warden.equipment.services.software import installations_remove


@transaction.atomic
def disposal_company_create(
    *,
    actor: User | None,
    school: School,
    name: str,
    waste_carrier_number: str = "",
    contact: str = "",
    approve: bool = False,
) -> DisposalCompany:
    """Add a disposal company to the school's list (approved separately, or at once)."""
    name = _words(name)
    if not name:
        raise ServiceError("Enter the company's name.")
    if DisposalCompany.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"{name} is already on the list.")
    company = DisposalCompany.objects.create(
        school=school,
        name=name,
        waste_carrier_number=_words(waste_carrier_number),
        contact=_words(contact),
    )
    audit_log(
        actor=actor,
        action="disposal_company.created",
        obj=company,
        changes=diff({}, snapshot(company)),
    )
    if approve:
        disposal_company_set_approved(actor=actor, company=company, approved=True)
    return company


@transaction.atomic
def disposal_company_set_approved(
    *, actor: User | None, company: DisposalCompany, approved: bool
) -> DisposalCompany:
    """Approve a company to take equipment away, or withdraw approval."""
    company = DisposalCompany.objects.select_for_update().get(pk=company.pk)
    if company.approved == approved:
        return company
    if approved and not company.waste_carrier_number:
        raise ServiceError(
            "Record the company's waste carrier registration number before approving it; "
            "WEEE waste may only go to a registered carrier."
        )
    company.approved = approved
    company.approved_at = timezone.now() if approved else None
    company.approved_by = actor if approved else None
    company.save()
    audit_log(
        actor=actor,
        action="disposal_company.approved" if approved else "disposal_company.unapproved",
        obj=company,
        changes={"approved": [not approved, approved]},
    )
    return company


@transaction.atomic
def disposal_batch_create(
    *, actor: User | None, school: School, company: DisposalCompany, reference: str
) -> DisposalBatch:
    """Start a batch of equipment for collection by an approved disposal company."""
    reference = _words(reference)
    if company.school_id != school.pk:
        raise ServiceError("Choose a company on this school's list.")
    if not company.approved:
        raise ServiceError(
            f"{company} is not an approved disposal company (the policy lets equipment go "
            "only to an approved company); approve it first.",
            field_errors={"company": ["Choose an approved company."]},
        )
    if not reference:
        raise ServiceError("Give the batch a reference, e.g. the collection date.")
    if DisposalBatch.objects.filter(school=school, reference__iexact=reference).exists():
        raise ServiceError(f"A disposal batch called {reference} already exists.")
    batch = DisposalBatch.objects.create(
        school=school, company=company, reference=reference, created_by=actor
    )
    audit_log(
        actor=actor,
        action="disposal_batch.created",
        obj=batch,
        changes={"company": [None, company.name], "reference": [None, reference]},
    )
    return batch


@transaction.atomic
def disposal_batch_add(*, actor: User | None, batch: DisposalBatch, asset: Asset) -> Asset:
    """Put an asset in a batch for collection; it cannot be lent from now on."""
    asset = _locked_asset(asset)
    if batch.is_complete:
        raise ServiceError("This batch has been collected and certified; start a new batch.")
    if asset.school_id != batch.school_id:
        raise ServiceError("That asset belongs to another school.")
    if asset.state == AssetState.DISPOSED:
        raise ServiceError(f"{asset.asset_tag} has already been disposed of.")
    if asset.state in (AssetState.LOST, AssetState.STOLEN):
        raise ServiceError(
            f"{asset.asset_tag} is recorded as lost or stolen; record it found before disposal."
        )
    if asset.disposal_batch_id is not None:
        raise ServiceError(
            f"{asset.asset_tag} is already in disposal batch {asset.disposal_batch}."
        )
    if Loan.objects.filter(asset=asset, state__in=OPEN_LOAN_STATES).exists():
        raise ServiceError(f"{asset.asset_tag} is checked out; check it in before disposing of it.")
    refusal = gate_refusal(asset, for_disposal=True)
    if refusal:
        raise ServiceError(refusal)
    asset.disposal_batch = batch
    asset.save(update_fields=["disposal_batch", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.added_to_disposal",
        obj=asset,
        changes={"disposal_batch": [None, batch.reference]},
    )
    return asset


@transaction.atomic
def disposal_batch_remove(*, actor: User | None, batch: DisposalBatch, asset: Asset) -> Asset:
    """Take an asset back out of a batch that has not been collected."""
    asset = _locked_asset(asset)
    if batch.is_complete or asset.disposal_batch_id != batch.pk:
        raise ServiceError("Only an asset in an uncollected batch can be taken out of it.")
    asset.disposal_batch = None
    asset.save(update_fields=["disposal_batch", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.removed_from_disposal",
        obj=asset,
        changes={"disposal_batch": [batch.reference, None]},
    )
    return asset


@transaction.atomic
def disposal_batch_complete(
    *,
    actor: User | None,
    batch: DisposalBatch,
    certificate_number: str,
    certificate_scan: Scan | None,
    weee_reference: str,
    wiping_method: str,
    collected_on: dt.date | None = None,
) -> DisposalBatch:
    """Record the certificate of disposal: every asset in the batch is disposed of for good,
    and its software seats are freed."""
    batch = DisposalBatch.objects.select_for_update().select_related("school").get(pk=batch.pk)
    if batch.is_complete:
        raise ServiceError("This batch is already complete.")
    if wiping_method and wiping_method not in WipingMethod.values:
        raise ServiceError("Choose a data-wiping method from the list.")
    errors = rules.disposal_completion_problems(
        certificate_number=certificate_number,
        has_scan=certificate_scan is not None,
        weee_reference=weee_reference,
        wiping_method=wiping_method,
    )
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    assets = list(Asset.objects.select_for_update().filter(disposal_batch=batch))
    if not assets:
        raise ServiceError("The batch has no assets in it; add the collected assets first.")
    assert certificate_scan is not None
    now = timezone.now()
    batch.certificate_number = _words(certificate_number)
    batch.weee_reference = _words(weee_reference)
    batch.wiping_method = wiping_method
    batch.collected_on = collected_on or timezone.localdate()
    batch.certificate_sha256 = hashlib.sha256(certificate_scan.content).hexdigest()
    batch.certificate_scan.save(
        f"{batch.school_id}-{batch.certificate_sha256[:12]}-{certificate_scan.name}",
        ContentFile(certificate_scan.content),
        save=False,
    )
    batch.completed_at = now
    batch.completed_by = actor
    batch.save()
    audit_log(
        actor=actor,
        action="disposal_batch.completed",
        obj=batch,
        changes=diff(
            {},
            snapshot(
                batch,
                [
                    "certificate_number",
                    "certificate_sha256",
                    "weee_reference",
                    "wiping_method",
                    "collected_on",
                ],
            ),
        )
        | {"assets": [None, len(assets)]},
    )
    items = []
    for asset in assets:
        items.append((asset, {"state": [asset.state, AssetState.DISPOSED.value]}))
        asset.state = AssetState.DISPOSED
        asset.updated_at = now
    Asset.objects.bulk_update(assets, ["state", "updated_at"])
    audit_log_many(
        actor=actor, action="asset.disposed", items=[(a, c) for a, c in items], school=batch.school
    )
    installations_remove(
        actor=actor,
        installations=Installation.objects.filter(asset__in=assets, removed_at__isnull=True),
        reason=f"Device disposed of ({batch.reference})",
        school=batch.school,
    )
    return batch
