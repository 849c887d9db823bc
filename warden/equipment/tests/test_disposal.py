"""Disposal: approved companies, batches with certificate, WEEE reference and wiping."""

from __future__ import annotations

import pytest

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.uploads import Scan
from warden.equipment.models import AssetState, DisposalBatch, Installation, WipingMethod
from warden.equipment.services.assets import asset_update
from warden.equipment.services.disposal import (
    disposal_batch_add,
    disposal_batch_complete,
    disposal_batch_create,
    disposal_company_create,
    disposal_company_set_approved,
)
from warden.equipment.services.loans import loan_check_out
from warden.equipment.services.software import installation_record
from warden.equipment.tests.factories import AssetFactory, DisposalCompanyFactory, ProductFactory

pytestmark = pytest.mark.django_db

PDF = Scan(name="certificate.pdf", content=b"%PDF-1.4 certificate of disposal")


def dispose(actor, school, assets) -> DisposalBatch:
    company = DisposalCompanyFactory.create(school=school)
    batch = disposal_batch_create(
        actor=actor, school=school, company=company, reference=f"B-{assets[0].asset_tag}"
    )
    for asset in assets:
        disposal_batch_add(actor=actor, batch=batch, asset=asset)
    return disposal_batch_complete(
        actor=actor,
        batch=batch,
        certificate_number="COD-2026-0042",
        certificate_scan=PDF,
        weee_reference="WEEE-889123",
        wiping_method=WipingMethod.OVERWRITE,
    )


def test_only_an_approved_company_takes_equipment(school, ict_manager):
    company = DisposalCompanyFactory.create(school=school, approved=False)
    with pytest.raises(ServiceError, match="not an approved disposal company"):
        disposal_batch_create(actor=ict_manager, school=school, company=company, reference="B1")


def test_approval_needs_a_waste_carrier_number(school, ict_manager):
    company = disposal_company_create(actor=ict_manager, school=school, name="Acme")
    with pytest.raises(ServiceError, match="waste carrier"):
        disposal_company_set_approved(actor=ict_manager, company=company, approved=True)


def test_a_batch_completes_only_with_certificate_scan_weee_and_wiping(school, ict_manager):
    company = DisposalCompanyFactory.create(school=school)
    batch = disposal_batch_create(
        actor=ict_manager, school=school, company=company, reference="Summer 2026"
    )
    disposal_batch_add(actor=ict_manager, batch=batch, asset=AssetFactory.create(school=school))
    with pytest.raises(ServiceError) as refused:
        disposal_batch_complete(
            actor=ict_manager,
            batch=batch,
            certificate_number="",
            certificate_scan=None,
            weee_reference="",
            wiping_method="",
        )
    assert set(refused.value.field_errors) == {
        "certificate_number",
        "certificate_scan",
        "weee_reference",
        "wiping_method",
    }


def test_disposal_frees_software_seats_and_is_audited(school, ict_manager):
    laptop = AssetFactory.create(school=school)
    product = ProductFactory.create(school=school, seats=1)
    installation_record(actor=ict_manager, product=product, asset=laptop)
    batch = dispose(ict_manager, school, [laptop])
    laptop.refresh_from_db()
    assert laptop.state == AssetState.DISPOSED
    assert batch.certificate_sha256 and batch.certificate_scan
    assert not Installation.objects.filter(product=product, removed_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="asset.disposed", object_id=str(laptop.pk)).exists()
    assert AuditEntry.objects.filter(action="disposal_batch.completed").exists()
    assert AuditEntry.objects.filter(action="installation.removed").exists()


def test_an_asset_waiting_in_a_batch_cannot_be_lent(school, ict_manager, office):
    from warden.testing.factories import PersonFactory

    laptop = AssetFactory.create(school=school)
    company = DisposalCompanyFactory.create(school=school)
    batch = disposal_batch_create(actor=ict_manager, school=school, company=company, reference="B2")
    disposal_batch_add(actor=ict_manager, batch=batch, asset=laptop)
    with pytest.raises(ServiceError, match="disposal batch"):
        loan_check_out(
            actor=office, asset=laptop, person=PersonFactory.create(school=school), due_on=None
        )


def test_a_disposed_asset_record_cannot_be_edited(school, ict_manager):
    laptop = AssetFactory.create(school=school)
    dispose(ict_manager, school, [laptop])
    with pytest.raises(ServiceError, match="disposed of"):
        asset_update(actor=ict_manager, asset=laptop, fields={"notes": "back again"})
