"""Governors read the filtering change log and their report with no one named (policy duty
"Governors monitor the filtering change log", docs/policy-map.md, with the need-to-know
rule): a withdrawal reads "for a pupil", an unblock has no asker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.monitoring.models import AssignmentSource
from warden.monitoring.services.filtering import (
    filter_group_assign,
    no_internet_group,
    request_approve,
    request_create,
)
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_changes(school, dsl, teacher, ict_manager, settings, tmp_path):
    settings.WARDEN_FILTER_DIR = tmp_path / "filtering"
    pupil = PupilFactory.create(school=school, first_name="Quillon", last_name="Nightjar")
    filter_group_assign(
        actor=dsl,
        person=pupil,
        group=no_internet_group(school),
        reason="Internet access withdrawn until 13/03/2026 (e-safety sanction)",
        source=AssignmentSource.SANCTION,
    )
    request = request_create(
        actor=teacher,
        school=school,
        site="example.org",
        reason="Year 6 history research",
        wanted_until=timezone.now() + dt.timedelta(days=3),
        requester_name="Wystan Requester",
    )
    request_approve(actor=ict_manager, request=request)


def test_the_governor_sees_the_change_log_without_names(named_changes, governor, client_for):
    page = client_for(governor).get(reverse("monitoring:filter_changelog")).content.decode()
    assert "Internet access withdrawn for a pupil (e-safety sanction)" in page
    for name in ("Quillon", "Nightjar", "Wystan", "Requester", "Dsl Tester", "Teacher Tester"):
        assert name not in page
    assert "Designated safeguarding lead" in page  # who acted, by role


def test_the_dsl_still_sees_who(named_changes, dsl, client_for):
    page = client_for(dsl).get(reverse("monitoring:filter_changelog")).content.decode()
    assert "Quillon Nightjar" in page


def test_the_governors_report_names_no_one_who_asked(named_changes, governor, client_for):
    page = client_for(governor).get(reverse("incidents:termly_report")).content.decode()
    assert "Year 6 history research" in page
    assert "Wystan" not in page and "asked by" not in page
