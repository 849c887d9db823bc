"""The communications matrix: seed defaults, the school's own settings, the printable page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from warden.agreements.testing import parent_of
from warden.core.errors import ServiceError
from warden.equipment.services.devices import phone_request_record
from warden.governance.selectors import comms_rows
from warden.governance.services.comms import comms_update
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _row(school, key):
    return next(r for r in comms_rows(school) if r.key == key)


def test_the_matrix_starts_with_the_policy_defaults(school):
    row = _row(school, "phones_lessons")
    assert (row.staff, row.pupils) == ("certain_times", "not_allowed")


def test_the_headteacher_changes_the_matrix_and_everyone_reads_it(
    school, headteacher, teacher, client_for
):
    data = {f"{r.key}_staff": r.staff for r in comms_rows(school)}
    data |= {f"{r.key}_pupils": r.pupils for r in comms_rows(school)}
    data["messaging_pupils"] = "not_allowed"
    response = client_for(headteacher).post(reverse("governance:comms_edit"), data)
    assert response.status_code == 302
    assert _row(school, "messaging").pupils == "not_allowed"
    page = client_for(teacher).get(reverse("governance:comms_matrix")).content.decode()
    assert "Use of messaging apps" in page and "Print the matrix" in page
    assert client_for(teacher).get(reverse("governance:comms_edit")).status_code == 403


def test_an_answer_that_does_not_fit_the_column_is_refused(school):
    with pytest.raises(ServiceError):
        comms_update(actor=None, school=school, values={"blogs": ("with_permission", "allowed")})


def test_registering_a_pupils_phone_follows_the_matrix(school):
    pupil = PupilFactory.create(school=school)
    parent = parent_of(pupil)
    reason = "Walks home alone and needs to call on the way."
    day = dt.date(2026, 9, 1)
    phone_request_record(actor=None, pupil=pupil, parent=parent, reason=reason, received_on=day)
    rows = {r.key: (r.staff, r.pupils) for r in comms_rows(school)}
    rows["phones_brought"] = (rows["phones_brought"][0], "not_allowed")
    comms_update(actor=None, school=school, values=rows)
    with pytest.raises(ServiceError) as refused:
        phone_request_record(actor=None, pupil=pupil, parent=parent, reason=reason, received_on=day)
    assert "may not bring mobile phones" in refused.value.message
