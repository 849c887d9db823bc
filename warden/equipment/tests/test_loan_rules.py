"""Loans follow the policies by themselves: staff borrow only with a current acceptable-use
agreement and the ICT manager's and headteacher's permission; a device that can hold
personal data and is not encrypted does not leave the site without the SIRO's exception."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from warden.agreements.testing import sign_current
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.roles import Role
from warden.equipment.models import AssetState, Loan, LoanState
from warden.equipment.services.class_sets import (
    class_set_assign,
    class_set_check_out,
    class_set_create,
)
from warden.equipment.services.loans import (
    Acceptance,
    checkout_refusal,
    equipment_settings,
    equipment_settings_update,
    loan_cancel,
    loan_check_out,
    loan_permission_refuse,
    loan_permit,
    off_site_exception_record,
    off_site_exception_until,
)
from warden.equipment.tests.factories import AssetFactory
from warden.testing.factories import PersonFactory, PupilFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _due() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def _signed_teacher(school):
    teacher = PersonFactory.create(school=school, first_name="Ada", last_name="Lovelace")
    sign_current(teacher)
    return teacher


def _waiting_staff_loan(school, office) -> Loan:
    """A staff loan checked out and waiting for the two permissions."""
    return loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=_signed_teacher(school),
        due_on=_due(),
    )


@pytest.fixture
def siro(school):
    user = UserFactory.create(username="siro", first_name="Siro", last_name="Tester")
    member(user, school, Role.SIRO)
    return user


def test_staff_without_a_current_agreement_cannot_borrow(school, office):
    laptop = AssetFactory.create(school=school)
    teacher = PersonFactory.create(school=school)
    with pytest.raises(ServiceError) as refused:
        loan_check_out(actor=office, asset=laptop, person=teacher, due_on=_due())
    assert "signed the staff acceptable-use agreement" in refused.value.message
    assert not Loan.objects.filter(asset=laptop).exists()


def test_the_check_out_page_explains_the_missing_agreement(school, office, client_for):
    laptop = AssetFactory.create(school=school)
    teacher = PersonFactory.create(school=school)
    url = reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk})
    response = client_for(office).post(
        url, {"person": teacher.pk, "kind": "loan", "due_on": _due().isoformat()}, follow=True
    )
    assert "signed the staff acceptable-use agreement" in response.content.decode()
    assert not Loan.objects.filter(asset=laptop).exists()


def test_a_staff_loan_waits_for_both_permissions(school, office, ict_manager, headteacher):
    laptop = AssetFactory.create(school=school)
    teacher = _signed_teacher(school)
    loan = loan_check_out(
        actor=office,
        asset=laptop,
        person=teacher,
        due_on=_due(),
        acceptance=Acceptance(typed_name="Ada Lovelace", confirmed=True),
    )
    assert loan.state == LoanState.AWAITING_PERMISSION
    laptop.refresh_from_db()
    assert laptop.state == AssetState.IN_STOCK
    with pytest.raises(PermissionDenied):
        loan_permit(actor=office, loan=loan)

    loan = loan_permit(actor=ict_manager, loan=loan)
    assert loan.state == LoanState.AWAITING_PERMISSION
    assert loan.ict_permission_by == ict_manager and loan.head_permission_at is None
    with pytest.raises(PermissionDenied, match="once each"):
        loan_permit(actor=ict_manager, loan=loan)

    loan = loan_permit(actor=headteacher, loan=loan)
    assert loan.state == LoanState.ISSUED  # accepted at the check-out desk
    laptop.refresh_from_db()
    assert laptop.state == AssetState.ON_LOAN
    actions = AuditEntry.objects.filter(object_id=str(loan.pk), action__startswith="loan.")
    assert list(actions.order_by("seq").values_list("action", flat=True)) == [
        "loan.checked_out",
        "loan.permission_given",
        "loan.permission_given",
    ]


def test_a_refused_staff_loan_is_cancelled_with_the_reason(school, office, headteacher):
    loan = _waiting_staff_loan(school, office)
    laptop = loan.asset
    with pytest.raises(ServiceError, match="Say why"):
        loan_permission_refuse(actor=headteacher, loan=loan, reason="")
    loan = loan_permission_refuse(
        actor=headteacher, loan=loan, reason="Laptops are kept for the exam season"
    )
    assert loan.state == LoanState.CANCELLED
    assert loan.permission_refused_reason == "Laptops are kept for the exam season"
    # The device is free to lend again.
    assert checkout_refusal(laptop) is None


def test_the_school_can_switch_the_permission_step_off(school, office, headteacher):
    equipment_settings_update(actor=headteacher, school=school, staff_loans_need_permission=False)
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=_signed_teacher(school),
        due_on=_due(),
    )
    assert loan.state == LoanState.AWAITING_AGREEMENT
    assert AuditEntry.objects.filter(action="equipment.settings_changed").exists()


def test_pupils_loans_need_no_staff_permission(school, office):
    pupil = PupilFactory.create(school=school)
    loan = loan_check_out(
        actor=office, asset=AssetFactory.create(school=school), person=pupil, due_on=_due()
    )
    assert loan.state == LoanState.AWAITING_AGREEMENT


def test_permission_journey_through_the_pages(school, office, ict_manager, headteacher, client_for):
    laptop = AssetFactory.create(school=school)
    teacher = _signed_teacher(school)
    checkout = reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk})
    response = client_for(office).post(
        checkout,
        {"person": teacher.pk, "kind": "loan", "due_on": _due().isoformat(), "off_site": "on"},
        follow=True,
    )
    assert "needs the ICT manager" in response.content.decode()
    loan = Loan.objects.get(asset=laptop)
    detail = reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk})
    page = client_for(ict_manager).get(detail).content.decode()
    assert "Give permission as ICT manager" in page
    assert "Give permission" not in client_for(office).get(detail).content.decode()
    client_for(ict_manager).post(reverse("equipment:loan_permit", kwargs={"loan_pk": loan.pk}))
    forbidden = client_for(office).post(
        reverse("equipment:loan_permit", kwargs={"loan_pk": loan.pk})
    )
    assert forbidden.status_code == 403
    response = client_for(headteacher).post(
        reverse("equipment:loan_permit", kwargs={"loan_pk": loan.pk}), follow=True
    )
    assert "now waits for its agreement" in response.content.decode()
    loan.refresh_from_db()
    assert loan.state == LoanState.AWAITING_AGREEMENT


def test_an_unencrypted_personal_data_device_stays_on_site(school, office, siro, client_for):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    pupil = PupilFactory.create(school=school)
    with pytest.raises(ServiceError, match="may not leave the school site"):
        loan_check_out(actor=office, asset=laptop, person=pupil, due_on=_due())
    # For use in school it may go.
    loan = loan_check_out(actor=office, asset=laptop, person=pupil, due_on=_due(), off_site=False)
    assert loan.off_site is False
    loan_cancel(actor=office, loan=loan)

    # Only the SIRO records an exception, with a reason and an end date.
    with pytest.raises(PermissionDenied):
        off_site_exception_record(
            actor=office, asset=laptop, reason="A governor's meeting", ends_on=_due()
        )
    with pytest.raises(ServiceError, match="at least 10"):
        off_site_exception_record(actor=siro, asset=laptop, reason="x", ends_on=_due())
    url = reverse("equipment:off_site_exception", kwargs={"asset_pk": laptop.pk})
    response = client_for(siro).post(
        url,
        {"reason": "Encryption licence ordered; needed for the Ofsted visit", "ends_on": _due()},
        follow=True,
    )
    assert f"may leave the site until {_due():%d/%m/%Y}" in response.content.decode()
    loan = loan_check_out(actor=office, asset=laptop, person=pupil, due_on=_due())
    assert loan.off_site is True


def test_an_exception_lapses_at_its_end_date(school, office, siro):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    today = timezone.localdate()
    off_site_exception_record(
        actor=siro, asset=laptop, reason="Needed for the residential trip", ends_on=today
    )
    assert off_site_exception_until(laptop) == today
    assert off_site_exception_until(laptop, today + dt.timedelta(days=1)) is None


def test_an_encrypted_device_may_leave(school, office):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=True)
    loan = loan_check_out(
        actor=office, asset=laptop, person=PupilFactory.create(school=school), due_on=_due()
    )
    assert loan.off_site is True


def test_a_class_set_for_a_lesson_needs_no_staff_permission(school, office):
    from warden.equipment.tests.factories import TabletFactory

    class_set = class_set_create(actor=office, school=school, name="Year 4 iPads")
    class_set_assign(
        actor=office,
        class_set=class_set,
        assets=[TabletFactory.create(school=school, holds_personal_data=True) for _ in range(3)],
    )
    set_loan = class_set_check_out(
        actor=office,
        class_set=class_set,
        person=_signed_teacher(school),
        due_on=timezone.localdate(),
        acceptance=Acceptance(typed_name="Ada Lovelace", confirmed=True),
    )
    loans = Loan.objects.filter(class_set_loan=set_loan)
    assert {loan.state for loan in loans} == {LoanState.ISSUED}
    assert {loan.off_site for loan in loans} == {False}


def test_refusing_a_staff_loan_through_its_page_says_why_and_keeps_the_reason(
    school, office, headteacher, client_for
):
    loan = _waiting_staff_loan(school, office)
    refuse = reverse("equipment:loan_refuse", kwargs={"loan_pk": loan.pk})
    assert client_for(office).post(refuse, {"reason": "Not this term"}).status_code == 403
    unexplained = client_for(headteacher).post(refuse, {"reason": ""}, follow=True)
    assert "Say why the loan is refused" in unexplained.content.decode()
    loan.refresh_from_db()
    assert loan.state == LoanState.AWAITING_PERMISSION

    done = client_for(headteacher).post(
        refuse, {"reason": "Laptops are kept for the exam season"}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse(
        "equipment:loan_detail", kwargs={"loan_pk": loan.pk}
    )
    assert "Loan refused; the device stays in stock." in done.content.decode()
    loan.refresh_from_db()
    assert (loan.state, loan.permission_refused_reason) == (
        LoanState.CANCELLED,
        "Laptops are kept for the exam season",
    )
    refused = AuditEntry.objects.get(action="loan.permission_refused", object_id=str(loan.pk))
    assert refused.changes["permission_refused_reason"] == [
        "",
        "Laptops are kept for the exam season",
    ]


def test_a_loan_waiting_for_permission_can_be_cancelled_from_its_page(school, office, client_for):
    loan = _waiting_staff_loan(school, office)
    cancel = reverse("equipment:loan_cancel", kwargs={"loan_pk": loan.pk})
    done = client_for(office).post(cancel, follow=True)
    assert done.redirect_chain[-1][0] == reverse(
        "equipment:asset_detail", kwargs={"asset_pk": loan.asset_id}
    )
    assert "Check-out cancelled; the device never left." in done.content.decode()
    loan.refresh_from_db()
    assert loan.state == LoanState.CANCELLED
    again = client_for(office).post(cancel, follow=True)
    assert "Only a loan that was never issued can be cancelled." in again.content.decode()


def test_the_settings_page_switches_the_permission_step(school, office, headteacher, client_for):
    url = reverse("equipment:settings")
    assert client_for(office).get(url).status_code == 403
    assert client_for(headteacher).get(url).status_code == 200
    saved = client_for(headteacher).post(url, {}, follow=True)
    assert "Equipment settings saved." in saved.content.decode()
    assert equipment_settings(school).staff_loans_need_permission is False
    change = AuditEntry.objects.get(action="equipment.settings_changed")
    assert change.changes["staff_loans_need_permission"] == [True, False]
