"""Fixtures shared by the equipment tests."""

from __future__ import annotations

import pytest

from warden.equipment.services.loans import equipment_settings_update


@pytest.fixture
def staff_loans_without_permission(school):
    """Tests about something else than the staff-loan permission step switch it off (it is on
    by default; ``test_loan_rules`` proves the step)."""
    equipment_settings_update(actor=None, school=school, staff_loans_need_permission=False)
