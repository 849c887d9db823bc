"""Loss and theft, and the possible data breach it may raise for the SIRO."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.roles import Role
from warden.equipment import breach
from warden.equipment.models import AssetState, BreachStatus, LoanState, PossibleBreach
from warden.equipment.services.assets import asset_update
from warden.equipment.services.loans import Acceptance, loan_check_out, off_site_exception_record
from warden.equipment.services.losses import asset_found, loss_report
from warden.equipment.tests.factories import AssetFactory, signed_staff
from warden.testing.factories import UserFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_loans_without_permission")]

REPORT_TIME = dt.datetime(2026, 3, 9, 16, 45, tzinfo=dt.UTC)


def test_unencrypted_laptop_with_personal_data_lost_raises_breach_at_report_time(
    school, office, django_capture_on_commit_callbacks
):
    siro = UserFactory.create(username="siro", email="siro@example.org")
    member(siro, school, Role.SIRO)
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    with time_machine.travel(REPORT_TIME, tick=False):
        borrower = signed_staff(school)
        off_site_exception_record(
            actor=siro,
            asset=laptop,
            reason="Encryption licence on order; needed for a course",
            ends_on=REPORT_TIME.date(),
        )
        loan_check_out(
            actor=office,
            asset=laptop,
            person=borrower,
            due_on=dt.date(2026, 3, 20),
            acceptance=Acceptance(typed_name="Robin Tester", confirmed=True),
        )
        with django_capture_on_commit_callbacks(execute=True):
            report = loss_report(
                actor=office,
                asset=laptop,
                kind="lost",
                circumstances="Left on the train home from a course in Leeds.",
                happened_at=REPORT_TIME - dt.timedelta(hours=3),
            )
    flag = PossibleBreach.objects.get(loss_report=report)
    assert flag.raised_at == REPORT_TIME == report.reported_at
    assert flag.status == BreachStatus.OPEN
    assert "not encrypted" in flag.reason
    laptop.refresh_from_db()
    assert laptop.state == AssetState.LOST
    assert report.holder == borrower
    assert laptop.loans.get().state == LoanState.WRITTEN_OFF
    assert AuditEntry.objects.filter(action="possible_breach.raised").exists()
    assert AuditEntry.objects.filter(action="loss.reported").exists()
    assert [m.to for m in mail.outbox] == [["siro@example.org"]]
    assert list(breach.open_breaches(school)) == [flag]


def test_an_encrypted_laptop_raises_no_breach(school, office):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=True)
    loss_report(
        actor=office, asset=laptop, kind="stolen", circumstances="Taken from a locked car boot."
    )
    assert not PossibleBreach.objects.exists()


def test_later_encryption_does_not_change_what_was_reported(school, office, ict_manager):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    report = loss_report(
        actor=office, asset=laptop, kind="lost", circumstances="Not seen since the trip to York."
    )
    asset_found(actor=ict_manager, asset=laptop)
    asset_update(actor=ict_manager, asset=laptop, fields={"encrypted": True})
    report.refresh_from_db()
    assert report.was_encrypted is False and report.found_at is not None


def test_only_the_siro_or_head_acknowledges_the_flag(school, office, ict_manager, headteacher):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    report = loss_report(
        actor=office, asset=laptop, kind="lost", circumstances="Dropped somewhere on the field."
    )
    flag = report.possible_breach
    with pytest.raises(ServiceError, match="Only the SIRO"):
        breach.possible_breach_acknowledge(
            actor=ict_manager, roles={Role.ICT_MANAGER}, breach=flag, note="Seen it."
        )
    breach.possible_breach_acknowledge(
        actor=headteacher,
        roles={Role.HEADTEACHER},
        breach=flag,
        note="Assessed: not reportable, no data on the device.",
    )
    flag.refresh_from_db()
    assert flag.status == BreachStatus.ACKNOWLEDGED
    assert not breach.open_breaches(school).exists()


def test_a_vague_report_is_refused(school, office):
    with pytest.raises(ServiceError, match="Describe what happened"):
        loss_report(
            actor=office,
            asset=AssetFactory.create(school=school),
            kind="lost",
            circumstances="gone",
        )
