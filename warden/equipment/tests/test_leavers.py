"""Leavers: what they hold is on the leavers' board and keeps them open until dealt with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.accounts.selectors import leavers_board
from warden.core.errors import ServiceError
from warden.equipment.leavers import leaver_equipment_clear, outstanding_for
from warden.equipment.services.loans import loan_check_in, loan_write_off
from warden.equipment.tests.factories import assigned_laptop, signed_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_loans_without_permission")]


def _leaver_with_laptop(school, office):
    leaver = signed_staff(school, leaving_date=timezone.localdate() + dt.timedelta(days=3))
    loan = assigned_laptop(school, office, leaver, "Leaver Tester")
    return leaver, loan.asset, loan


def test_a_leaver_holding_a_laptop_cannot_be_completed_until_it_is_returned(school, office):
    leaver, laptop, loan = _leaver_with_laptop(school, office)
    refusal = leaver_equipment_clear(leaver)
    assert refusal and laptop.asset_tag in refusal
    loan_check_in(actor=office, loan=loan)
    assert leaver_equipment_clear(leaver) is None


def test_a_leaver_is_clear_once_the_laptop_is_written_off_with_a_reason(school, office):
    leaver, _, loan = _leaver_with_laptop(school, office)
    with pytest.raises(ServiceError, match="Say why"):
        loan_write_off(actor=office, loan=loan, reason="")
    loan_write_off(
        actor=office, loan=loan, reason="Kept by agreement with the headteacher, fully wiped"
    )
    assert outstanding_for(leaver) == []
    assert leaver_equipment_clear(leaver) is None


def test_the_laptop_is_on_the_leavers_board(school, office):
    leaver, _, loan = _leaver_with_laptop(school, office)
    board = leavers_board(school)
    row = next(entry for entry in board if entry.person == leaver)
    devices = [item for item in row.items if item.kind == "device"]
    assert [item.obj for item in devices] == [loan]
    assert devices[0].action_label == "Check in"
    assert row.outstanding >= 1
    loan_check_in(actor=office, loan=loan)
    board = leavers_board(school)
    assert all(
        item.kind != "device" for entry in board if entry.person == leaver for item in entry.items
    )


def test_the_leavers_board_checks_the_laptop_in_and_comes_back(
    school, office, technician, client_for
):
    from django.urls import reverse

    leaver, laptop, loan = _leaver_with_laptop(school, office)
    client = client_for(technician)
    board = client.get(reverse("accounts:leavers"))
    check_in = reverse("equipment:loan_check_in", kwargs={"loan_pk": loan.pk})
    assert laptop.asset_tag.encode() in board.content and check_in.encode() in board.content
    response = client.post(check_in, {"next": reverse("accounts:leavers"), "reason": "Leaver"})
    assert response["Location"] == reverse("accounts:leavers")
    assert leaver_equipment_clear(leaver) is None


def test_the_leaver_cannot_be_completed_until_the_laptop_is_back(school, office, technician):
    from warden.accounts.services import leaver_complete

    leaver, laptop, loan = _leaver_with_laptop(school, office)
    with pytest.raises(ServiceError, match="cannot be completed as a leaver yet") as refused:
        leaver_complete(actor=technician, person=leaver)
    assert laptop.asset_tag in refused.value.message
    loan_check_in(actor=office, loan=loan)
    assert leaver_complete(actor=technician, person=leaver).completed_by == technician
