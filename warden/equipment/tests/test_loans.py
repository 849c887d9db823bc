"""Loans: check-out, the loan agreement, check-in, write-off, class sets, reminders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.equipment.models import (
    AcceptanceMethod,
    AssetState,
    ClassSetLoan,
    Loan,
    LoanKind,
    LoanState,
    ReturnCondition,
)
from warden.equipment.rules import BUILT_IN_TEXT
from warden.equipment.services.class_sets import (
    class_set_assign,
    class_set_check_in,
    class_set_check_out,
    class_set_create,
)
from warden.equipment.services.loans import (
    Acceptance,
    equipment_settings_update,
    loan_accept,
    loan_check_in,
    loan_check_out,
    loan_for_token,
    loan_link_create,
    loan_link_use,
    loan_reminders_send,
)
from warden.equipment.tests.factories import AssetFactory, TabletFactory, signed_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_loans_without_permission")]

DESK = Acceptance(typed_name="Robin Tester", confirmed=True)


def _due() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def _actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_a_device_is_not_issued_until_the_loan_agreement_is_accepted(school, office):
    laptop = AssetFactory.create(school=school)
    borrower = signed_staff(school)
    loan = loan_check_out(actor=office, asset=laptop, person=borrower, due_on=_due())
    assert loan.state == LoanState.AWAITING_AGREEMENT
    laptop.refresh_from_db()
    assert laptop.state == AssetState.IN_STOCK
    with pytest.raises(ServiceError, match="never issued"):
        loan_check_in(actor=office, loan=loan)

    loan_accept(actor=office, loan=loan, acceptance=DESK)
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert loan.is_issued and laptop.state == AssetState.ON_LOAN
    assert loan.accepted_name == "Robin Tester"
    assert loan.accepted_method == AcceptanceMethod.DESK
    assert loan.agreement_text is not None and loan.agreement_text.text == BUILT_IN_TEXT
    assert loan.agreement_sha256 == loan.agreement_text.sha256
    assert _actions(loan) == ["loan.checked_out", "loan.agreement_accepted"]
    assert "asset.state_changed" in _actions(laptop)


def test_the_database_refuses_an_issued_loan_without_acceptance(school, office):
    from django.db import IntegrityError, transaction

    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=_due(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(state=LoanState.ISSUED)


def test_acceptance_needs_a_typed_name_and_the_tick(school, office):
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=_due(),
    )
    with pytest.raises(ServiceError) as refused:
        loan_accept(actor=office, loan=loan, acceptance=Acceptance(typed_name="R", confirmed=True))
    assert "typed_name" in refused.value.field_errors
    with pytest.raises(ServiceError) as refused:
        loan_accept(
            actor=office, loan=loan, acceptance=Acceptance(typed_name="Robin", confirmed=False)
        )
    assert "confirmed" in refused.value.field_errors


def test_the_one_time_link_accepts_once_with_ip_and_browser(school, office):
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=_due(),
    )
    token = loan_link_create(actor=office, loan=loan)
    loan_link_use(
        token=token, typed_name="Robin Tester", confirmed=True, ip="10.0.0.8", user_agent="Tablet"
    )
    loan.refresh_from_db()
    assert loan.is_issued
    assert (loan.accepted_method, loan.accepted_ip, loan.accepted_user_agent) == (
        "link",
        "10.0.0.8",
        "Tablet",
    )
    with pytest.raises(ServiceError, match="works once"):
        loan_link_use(
            token=token, typed_name="Robin Tester", confirmed=True, ip=None, user_agent=""
        )


def test_an_expired_link_is_refused(school, office):
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=_due(),
    )
    token = loan_link_create(actor=office, loan=loan)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=8)),
        pytest.raises(ServiceError, match="expired"),
    ):
        loan_for_token(token)


def test_a_disposed_device_cannot_be_checked_out(school, office, ict_manager):
    from warden.equipment.tests.test_disposal import dispose

    laptop = AssetFactory.create(school=school)
    dispose(ict_manager, school, [laptop])
    laptop.refresh_from_db()
    assert laptop.state == AssetState.DISPOSED
    with pytest.raises(ServiceError, match="can never be checked out"):
        loan_check_out(
            actor=office,
            asset=laptop,
            person=signed_staff(school),
            due_on=_due(),
            acceptance=DESK,
        )
    assert not Loan.objects.filter(asset=laptop).exists()


def test_an_asset_goes_to_one_person_at_a_time(school, office):
    laptop = AssetFactory.create(school=school)
    loan_check_out(actor=office, asset=laptop, person=signed_staff(school), due_on=_due())
    with pytest.raises(ServiceError, match="already checked out"):
        loan_check_out(actor=office, asset=laptop, person=signed_staff(school), due_on=_due())


def test_a_loan_needs_a_due_date_but_an_assignment_does_not(school, office):
    laptop = AssetFactory.create(school=school)
    person = signed_staff(school)
    with pytest.raises(ServiceError, match="due back"):
        loan_check_out(actor=office, asset=laptop, person=person, due_on=None)
    loan = loan_check_out(
        actor=office,
        asset=laptop,
        person=person,
        due_on=None,
        kind=LoanKind.ASSIGNMENT,
        acceptance=DESK,
    )
    laptop.refresh_from_db()
    assert loan.due_on is None and laptop.state == AssetState.ASSIGNED


def test_check_in_records_condition_and_damaged_goes_to_repair(school, office):
    laptop = AssetFactory.create(school=school)
    loan = loan_check_out(
        actor=office,
        asset=laptop,
        person=signed_staff(school),
        due_on=_due(),
        acceptance=DESK,
    )
    loan_check_in(
        actor=office, loan=loan, condition=ReturnCondition.DAMAGED, notes="Cracked screen"
    )
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert loan.state == LoanState.RETURNED and loan.return_notes == "Cracked screen"
    assert laptop.state == AssetState.IN_REPAIR
    assert _actions(loan)[-1] == "loan.checked_in"


def test_overdue_borrowers_get_one_reminder_every_few_days(school, office):
    with time_machine.travel(timezone.now() - dt.timedelta(days=20)):
        borrower = signed_staff(school, email="borrower@example.org")
        loan_check_out(
            actor=office,
            asset=AssetFactory.create(school=school),
            person=borrower,
            due_on=timezone.localdate() + dt.timedelta(days=7),
            acceptance=DESK,
        )
    assert loan_reminders_send(school=school) == 1
    assert loan_reminders_send(school=school) == 0
    assert AuditEntry.objects.filter(action="loan.reminded").count() == 1


def test_a_class_set_goes_out_and_comes_back_together(school, office):
    teacher = signed_staff(school)
    class_set = class_set_create(actor=office, school=school, name="Year 5 iPads")
    tablets = [TabletFactory.create(school=school) for _ in range(30)]
    class_set_assign(actor=office, class_set=class_set, assets=tablets)
    set_loan = class_set_check_out(
        actor=office,
        class_set=class_set,
        person=teacher,
        due_on=timezone.localdate(),
        group="5B",
        acceptance=DESK,
    )
    assert set_loan.loans.filter(state=LoanState.ISSUED).count() == 30
    with pytest.raises(ServiceError, match="already out"):
        class_set_check_out(
            actor=office, class_set=class_set, person=teacher, due_on=timezone.localdate()
        )
    missing = tablets[0]
    class_set_check_in(actor=office, set_loan=set_loan, missing=[missing.pk])
    set_loan.refresh_from_db()
    assert set_loan.closed_at is None
    assert set_loan.loans.filter(state=LoanState.RETURNED).count() == 29
    assert Loan.objects.get(asset=missing, state=LoanState.ISSUED)
    class_set_check_in(actor=office, set_loan=set_loan)
    assert ClassSetLoan.objects.get(pk=set_loan.pk).closed_at is not None


def test_a_published_device_loan_agreement_is_what_the_borrower_accepts(school, office):
    from warden.agreements.models import Audience, Signature
    from warden.agreements.testing import published_version

    version = published_version(school, Audience.DEVICE_LOAN)
    borrower = signed_staff(school, first_name="Robin", last_name="Tester")
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=borrower,
        due_on=_due(),
        acceptance=DESK,
    )
    assert loan.agreement_text is not None
    assert loan.agreement_text.text == version.text
    assert loan.agreement_sha256 == version.sha256
    signature = Signature.objects.get(person=borrower, version=version)
    assert loan.signature == signature
    assert (signature.version, signature.method, signature.typed_name) == (
        version,
        "desk",
        "Robin Tester",
    )


def test_the_reminders_command_emails_overdue_borrowers(
    school, office, capsys, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.core.management import call_command

    with time_machine.travel(timezone.now() - dt.timedelta(days=30)):
        borrower = signed_staff(school, email="late@example.org")
        loan_check_out(
            actor=office,
            asset=AssetFactory.create(school=school),
            person=borrower,
            due_on=timezone.localdate() + dt.timedelta(days=14),
            acceptance=DESK,
        )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("equipment_reminders", "--school", school.slug)
    assert "1 reminder(s) queued" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [["late@example.org"]]
    assert AuditEntry.objects.filter(action="loan.reminded", via="cli").exists()


def test_two_schools_with_the_same_agreement_text_each_sign_their_own_version(
    school, other_school, office
):
    from warden.agreements.models import Audience
    from warden.agreements.testing import published_version

    versions = [published_version(s, Audience.DEVICE_LOAN) for s in (school, other_school)]
    equipment_settings_update(actor=None, school=other_school, staff_loans_need_permission=False)
    loans = [
        loan_check_out(
            actor=office,
            asset=AssetFactory.create(school=s),
            person=signed_staff(s, first_name="Robin", last_name="Tester"),
            due_on=_due(),
            acceptance=DESK,
        )
        for s in (school, other_school)
    ]
    assert loans[0].agreement_text == loans[1].agreement_text
    assert [loan.signature and loan.signature.version for loan in loans] == versions
