"""Sanctions: withdrawals suspend accounts through the accounts area and restore them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.accounts.models import AccountState, SystemKind
from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.incidents import services
from warden.incidents.models import IncidentKind, Part, SanctionKind, SanctionState, Severity

from .conftest import active_account, may_have_access

MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def incident(school, dsl, pupil):
    with time_machine.travel(MONDAY, tick=False):
        may_have_access(pupil)
        return services.incident_report(
            actor=dsl,
            school=school,
            kind=IncidentKind.MISUSE,
            title="Used a friend's sign-in",
            description="Signed in as another pupil.",
            people=[(pupil, Part.SUBJECT)],
        )


def test_withdrawing_internet_for_5_days_suspends_the_accounts_and_restores_them_after(
    incident, dsl, pupil, client_for, capsys
):
    cloud = active_account(pupil, SystemKind.CLOUD)
    wifi = active_account(pupil, SystemKind.GUEST_WIFI)
    network = active_account(pupil, SystemKind.DIRECTORY)
    with time_machine.travel(MONDAY, tick=False):
        response = client_for(dsl).post(
            reverse("incidents:sanction_add", kwargs={"incident_pk": incident.pk}),
            {
                "person": pupil.pk,
                "kind": SanctionKind.WITHDRAW_INTERNET,
                "starts_on": "2026-03-02",
                "ends_on": "2026-03-07",
            },
        )
    assert response.status_code == 302
    sanction = incident.sanctions.get()
    for account in (cloud, wifi, network):
        account.refresh_from_db()
    assert cloud.state == wifi.state == AccountState.SUSPENDED
    assert network.state == AccountState.ACTIVE  # internet only, not all ICT
    assert "INC-0001" in cloud.suspension_reason
    assert sorted(sanction.suspended_accounts) == sorted([cloud.pk, wifi.pk])

    with time_machine.travel(dt.datetime(2026, 3, 6, 7, tzinfo=dt.UTC), tick=False):
        warden(["incidents", "sanctions"])
    cloud.refresh_from_db()
    assert cloud.state == AccountState.SUSPENDED  # day 5: still withdrawn

    with time_machine.travel(dt.datetime(2026, 3, 7, 6, tzinfo=dt.UTC), tick=False):
        warden(["incidents", "sanctions"])
    assert "1 ended (2 accounts restored)" in capsys.readouterr().out
    for account in (cloud, wifi):
        account.refresh_from_db()
        assert account.state == AccountState.ACTIVE
    sanction.refresh_from_db()
    assert sanction.state == SanctionState.ENDED
    assert AuditEntry.objects.filter(action="account.reenabled").count() == 2


def test_a_withdrawal_needs_the_day_access_comes_back(incident, dsl, pupil):
    with pytest.raises(ServiceError, match="Give the day access comes back"):
        services.sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_ICT,
            starts_on=dt.date(2026, 3, 2),
        )


def test_an_account_held_by_two_sanctions_comes_back_only_when_both_end(incident, dsl, pupil):
    remote = active_account(pupil, SystemKind.LEARNING)
    with time_machine.travel(MONDAY, tick=False):
        short = services.sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_REMOTE,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 4),
        )
        services.sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_ICT,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 10),
        )
    assert short.suspended_accounts == [remote.pk]
    with time_machine.travel(dt.datetime(2026, 3, 4, 6, tzinfo=dt.UTC), tick=False):
        services.sanctions_process()
    remote.refresh_from_db()
    assert remote.state == AccountState.SUSPENDED  # still withdrawn with all ICT
    with time_machine.travel(dt.datetime(2026, 3, 10, 6, tzinfo=dt.UTC), tick=False):
        services.sanctions_process()
    remote.refresh_from_db()
    assert remote.state == AccountState.ACTIVE


def test_a_severe_breach_suspends_the_subjects_accounts_until_the_outcome(incident, dsl, pupil):
    account = active_account(pupil)
    with time_machine.travel(MONDAY, tick=False):
        incident = services.incident_set_severity(
            actor=dsl, incident=incident, severity=Severity.SEVERE
        )
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    suspension = incident.sanctions.get(kind=SanctionKind.SUSPENSION)
    assert suspension.ends_on is None
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        for step in incident.steps.all():
            services.step_complete(actor=dsl, step=step, note="Done")
        services.incident_close(
            actor=dsl, incident=incident, outcome="upheld", notes="Disciplinary process concluded."
        )
    account.refresh_from_db()
    suspension.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    assert suspension.state == SanctionState.ENDED


def test_a_verbal_warning_lapses_after_12_months(incident, dsl, pupil):
    with time_machine.travel(MONDAY, tick=False):
        warning = services.sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.VERBAL_WARNING,
            starts_on=dt.date(2026, 3, 2),
        )
    assert warning.lapses_on == dt.date(2027, 3, 2)
    services.sanctions_process(today=dt.date(2027, 3, 1))
    warning.refresh_from_db()
    assert warning.state == SanctionState.ACTIVE
    services.sanctions_process(today=dt.date(2027, 3, 2))
    warning.refresh_from_db()
    assert warning.state == SanctionState.LAPSED


def test_only_a_subject_can_be_sanctioned(incident, dsl, other_pupil):
    with pytest.raises(ServiceError, match="not a subject"):
        services.sanction_add(
            actor=dsl,
            incident=incident,
            person=other_pupil,
            kind=SanctionKind.VERBAL_WARNING,
            starts_on=dt.date(2026, 3, 2),
        )


def test_the_siro_can_read_but_not_sanction(incident, siro, pupil, client_for):
    url = reverse("incidents:sanction_add", kwargs={"incident_pk": incident.pk})
    response = client_for(siro).post(url, {"person": pupil.pk, "kind": "verbal_warning"})
    assert response.status_code == 403


def test_a_withdrawal_starting_later_suspends_on_its_first_day(incident, dsl, pupil):
    account = active_account(pupil, SystemKind.LEARNING)
    with time_machine.travel(MONDAY, tick=False):
        sanction = services.sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_REMOTE,
            starts_on=dt.date(2026, 3, 9),
            ends_on=dt.date(2026, 3, 16),
        )
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    services.sanctions_process(today=dt.date(2026, 3, 9))
    account.refresh_from_db()
    sanction.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    assert sanction.suspended_accounts == [account.pk]
