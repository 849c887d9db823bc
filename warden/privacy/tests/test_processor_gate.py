"""A pupil is given an account on a system holding personal data only when the system's
data-protection record is approved by the SIRO, or the SIRO overrides it for that pupil
(policy duty "Pupils' data goes only to approved processors"). Refusals say what to do;
both the record and the override are audited."""

from __future__ import annotations

import datetime as dt

import pytest

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.accounts.services import AccountRefused, account_approve, account_request
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.uploads import Scan
from warden.privacy.models import DataCategory, ProcessorRecord, StorageRegion
from warden.privacy.services.processors import (
    processor_override_grant,
    processor_record_approve,
    processor_record_save,
)
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

PDF = Scan(name="contract.pdf", content=b"%PDF-1.4 signed contract")


@pytest.fixture
def platform(school) -> System:
    return System.objects.create(
        school=school, name="Learning platform", kind=SystemKind.LEARNING, holds_personal_data=True
    )


def _record(actor, system, **extra) -> ProcessorRecord:
    return processor_record_save(
        actor=actor,
        system=system,
        processor_name="Platform Ltd",
        data_categories=[DataCategory.CONTACT, DataCategory.ATTAINMENT],
        storage=StorageRegion.UK,
        dpa_signed_on=dt.date(2026, 9, 1),
        dpia_on=dt.date(2026, 9, 2),
        dpia_review_on=dt.date(2027, 9, 2),
        dpa_scan=PDF,
        dpia_scan=Scan(name="dpia.pdf", content=b"%PDF-1.4 dpia"),
        **extra,
    )


def test_a_pupil_cannot_be_given_an_account_without_an_approved_record(
    school, pupil, platform, siro
):
    with pytest.raises(AccountRefused) as refused:
        account_request(actor=None, person=pupil, system=platform)
    assert "data-protection record is not approved" in refused.value.message
    assert "Ask the SIRO to approve Learning platform's data-protection record" in (
        refused.value.next_step.text
    )
    # A record written but not approved still refuses.
    _record(siro, platform)
    with pytest.raises(AccountRefused):
        account_request(actor=None, person=pupil, system=platform)
    assert not Account.objects.exists()


def test_the_siro_approving_the_record_lets_pupils_have_accounts(school, pupil, platform, siro):
    record = _record(siro, platform)
    processor_record_approve(actor=siro, record=record, approved=True)
    account = account_request(actor=None, person=pupil, system=platform)
    assert account.state == AccountState.REQUESTED
    assert AuditEntry.objects.filter(action="processor.approved", actor=siro).exists()


def test_an_approved_record_that_changes_needs_approving_again(school, pupil, platform, siro):
    record = processor_record_approve(actor=siro, record=_record(siro, platform), approved=True)
    _record(siro, platform, notes="Moved to a new data centre.")
    record.refresh_from_db()
    assert not record.approved
    with pytest.raises(AccountRefused):
        account_request(actor=None, person=pupil, system=platform)


def test_the_siro_override_lets_one_pupil_through_and_is_audited(school, pupil, platform, siro):
    processor_override_grant(
        actor=siro, system=platform, person=pupil, reason="Needs it for coursework this week."
    )
    account = account_request(actor=None, person=pupil, system=platform)
    assert account.person == pupil
    entry = AuditEntry.objects.get(action="processor.override_granted")
    assert entry.actor == siro and "coursework" in entry.changes["reason"][1]
    other = PersonFactory.create(school=school, person_type="pupil")
    with pytest.raises(AccountRefused):
        account_request(actor=None, person=other, system=platform)


def test_approval_and_activation_are_refused_too_when_approval_is_withdrawn(
    school, pupil, platform, siro, headteacher
):
    record = processor_record_approve(actor=siro, record=_record(siro, platform), approved=True)
    account = account_request(actor=None, person=pupil, system=platform)
    processor_record_approve(actor=siro, record=record, approved=False)
    with pytest.raises(AccountRefused):
        account_approve(actor=headteacher, account=account)


def test_staff_and_systems_without_personal_data_are_not_held_by_the_register(school, platform):
    teacher = PersonFactory.create(school=school, person_type="teaching_staff")
    assert account_request(actor=None, person=teacher, system=platform)


def test_only_the_siro_overrides_and_a_record_needs_its_files_before_approval(
    school, pupil, platform, siro, technician
):
    with pytest.raises(ServiceError, match="Only the SIRO"):
        processor_override_grant(
            actor=technician, system=platform, person=pupil, reason="Because it is needed now."
        )
    bare = processor_record_save(
        actor=siro,
        system=platform,
        processor_name="Platform Ltd",
        data_categories=[],
        storage=StorageRegion.EEA,
    )
    with pytest.raises(ServiceError, match="the contract with GDPR clauses"):
        processor_record_approve(actor=siro, record=bare, approved=True)
