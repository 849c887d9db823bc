"""The communications matrix: seed defaults, the school's own settings, the printable page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.governance.selectors import comms_rows
from warden.governance.services.comms import comms_update

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
