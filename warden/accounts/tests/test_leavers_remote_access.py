"""Leavers' remote access ends when they leave, not at the 48-hour deadline (policy duty
"Remote access only for named staff"), and the hourly run disables what Warden can at the
deadline (duty "Leavers' accounts removed within 48 hours"; docs/policy-map.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import AccountState, SystemKind
from warden.accounts.tests.helpers import active_account
from warden.accounts.tests.test_leavers import DAY_ENDS, LEAVING
from warden.cli import main as warden
from warden.people.services import person_set_leaving
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_access(school):
    return services.system_create(
        actor=None,
        school=school,
        fields={"name": "Home Access Plus", "kind": SystemKind.REMOTE},
    )


@pytest.fixture
def leaver(school, directory, home_access, headteacher):
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        person = PersonFactory.create(school=school, first_name="Lee", last_name="Leaver")
        services.system_set_remote_people(actor=None, system=home_access, people=[person])
        remote = active_account(person, home_access, approver=headteacher)
        network = active_account(person, directory, approver=headteacher)
    return person, remote, network


def test_remote_access_ends_at_once_when_a_leaving_day_that_has_come_is_recorded(leaver):
    person, remote, network = leaver
    with time_machine.travel(dt.datetime(2026, 10, 16, 15, tzinfo=dt.UTC), tick=False):
        person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
    remote.refresh_from_db()
    network.refresh_from_db()
    assert remote.state == AccountState.DISABLED
    assert "removed immediately when a staff member leaves" in remote.suspension_reason
    assert network.state == AccountState.ACTIVE
    assert network.removal_deadline == DAY_ENDS + dt.timedelta(hours=48)


def test_remote_access_recorded_ahead_ends_with_the_leaving_day_by_the_hourly_run(
    leaver, ict_manager, client_for, capsys
):
    person, remote, network = leaver
    with time_machine.travel(dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC), tick=False):
        person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
        remote.refresh_from_db()
        assert remote.state == AccountState.ACTIVE and remote.removal_deadline == DAY_ENDS
        board = client_for(ict_manager).get(reverse("accounts:leavers")).content.decode()
        assert "Remote access ends when they leave" in board
    with time_machine.travel(DAY_ENDS + dt.timedelta(minutes=5), tick=False):
        warden(["accounts", "deadlines"])
    assert "1 leavers' accounts disabled at their deadline" in capsys.readouterr().out
    remote.refresh_from_db()
    network.refresh_from_db()
    assert remote.state == AccountState.DISABLED
    assert network.state == AccountState.ACTIVE  # no connector: the 48 hours and an e-mail
