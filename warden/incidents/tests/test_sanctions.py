"""Sanctions: withdrawals suspend accounts through the accounts area, or move the person to
the "No internet" filter group, and restore them at the end."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.accounts.models import AccountState, SystemKind
from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.engine.snapshot import read_snapshot
from warden.incidents.models import IncidentKind, Part, SanctionKind, SanctionState, Severity
from warden.incidents.services.incidents import (
    incident_close,
    incident_report,
    incident_set_severity,
)
from warden.incidents.services.sanctions import sanction_add, sanctions_process
from warden.incidents.services.steps import step_complete
from warden.monitoring.conf import snapshot_path
from warden.monitoring.models import FilterGroup
from warden.monitoring.services.filtering import NO_INTERNET_SLUG

from .conftest import active_account, may_have_access

MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def incident(school, dsl, pupil):
    with time_machine.travel(MONDAY, tick=False):
        may_have_access(pupil)
        return incident_report(
            actor=dsl,
            school=school,
            kind=IncidentKind.MISUSE,
            title="Used a friend's sign-in",
            description="Signed in as another pupil.",
            people=[(pupil, Part.SUBJECT)],
        )


@pytest.fixture
def groups(school, settings, tmp_path, django_capture_on_commit_callbacks):
    """The school filters with Warden: key stage 3 (years 7-9), staff and guests."""
    from warden.monitoring.tests.filtering_helpers import make_groups

    settings.WARDEN_FILTER_DIR = str(tmp_path / "filtering")
    with django_capture_on_commit_callbacks(execute=True):
        return make_groups(school)


def _users_in_snapshot(school) -> dict[str, str]:
    return read_snapshot(snapshot_path(school.slug)).users


def test_withdrawing_internet_for_5_days_moves_the_pupil_to_no_internet_and_back_after(
    incident, dsl, pupil, groups, client_for, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        network = active_account(pupil, SystemKind.DIRECTORY)
    wifi = active_account(pupil, SystemKind.GUEST_WIFI)
    cloud = active_account(pupil, SystemKind.CLOUD)
    assert _users_in_snapshot(incident.school)[network.username] == "ks3"
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
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
    assert _users_in_snapshot(incident.school)[network.username] == NO_INTERNET_SLUG
    group = FilterGroup.objects.get(school=incident.school, slug=NO_INTERNET_SLUG)
    assert group.default_action == "block" and group.safe_search
    assert sanction.filter_assignment is not None
    assert sanction.filter_assignment.group == group
    for account in (network, wifi, cloud):
        account.refresh_from_db()
    # The pupil keeps their sign-in and work; only the guest Wi-Fi way round is suspended.
    assert network.state == cloud.state == AccountState.ACTIVE
    assert wifi.state == AccountState.SUSPENDED
    assert AuditEntry.objects.filter(action="filtering.assignment_added").count() == 1

    with (
        time_machine.travel(dt.datetime(2026, 3, 6, 7, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        warden(["incidents", "sanctions"])
    assert _users_in_snapshot(incident.school)[network.username] == NO_INTERNET_SLUG  # day 5

    with (
        time_machine.travel(dt.datetime(2026, 3, 7, 6, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        warden(["incidents", "sanctions"])
    assert "1 ended (1 accounts restored)" in capsys.readouterr().out
    assert _users_in_snapshot(incident.school)[network.username] == "ks3"
    sanction.refresh_from_db()
    wifi.refresh_from_db()
    assert sanction.state == SanctionState.ENDED
    assert wifi.state == AccountState.ACTIVE
    assert sanction.filter_assignment is not None
    assert sanction.filter_assignment.removed_at is not None
    changes = AuditEntry.objects.filter(action__startswith="filtering.assignment_")
    assert list(changes.values_list("action", flat=True).order_by("seq")) == [
        "filtering.assignment_added",
        "filtering.assignment_removed",
    ]


def test_two_internet_withdrawals_share_the_group_until_the_later_ends(
    incident, dsl, pupil, groups, django_capture_on_commit_callbacks
):
    network = active_account(pupil, SystemKind.DIRECTORY)
    with (
        time_machine.travel(MONDAY, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_INTERNET,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 4),
        )
        second = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_INTERNET,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 9),
        )
    assert first.filter_assignment_id == second.filter_assignment_id
    with (
        time_machine.travel(dt.datetime(2026, 3, 4, 6, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sanctions_process()
    assert _users_in_snapshot(incident.school)[network.username] == NO_INTERNET_SLUG
    with (
        time_machine.travel(dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sanctions_process()
    assert _users_in_snapshot(incident.school)[network.username] == "ks3"


def test_an_internet_withdrawal_starting_later_regroups_on_its_first_day(
    incident, dsl, pupil, groups, django_capture_on_commit_callbacks
):
    network = active_account(pupil, SystemKind.DIRECTORY)
    with time_machine.travel(MONDAY, tick=False):
        sanction = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_INTERNET,
            starts_on=dt.date(2026, 3, 9),
            ends_on=dt.date(2026, 3, 11),
        )
    assert sanction.filter_assignment is None
    with (
        time_machine.travel(dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = sanctions_process()
    assert run.started == 1 and run.regrouped == 1
    assert _users_in_snapshot(incident.school)[network.username] == NO_INTERNET_SLUG


def test_a_withdrawal_needs_the_day_access_comes_back(incident, dsl, pupil):
    with pytest.raises(ServiceError, match="Give the day access comes back"):
        sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_ICT,
            starts_on=dt.date(2026, 3, 2),
        )


def test_an_account_held_by_two_sanctions_comes_back_only_when_both_end(incident, dsl, pupil):
    remote = active_account(pupil, SystemKind.LEARNING)
    with time_machine.travel(MONDAY, tick=False):
        short = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_REMOTE,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 4),
        )
        sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_ICT,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 10),
        )
    assert short.suspended_accounts == [remote.pk]
    with time_machine.travel(dt.datetime(2026, 3, 4, 6, tzinfo=dt.UTC), tick=False):
        sanctions_process()
    remote.refresh_from_db()
    assert remote.state == AccountState.SUSPENDED  # still withdrawn with all ICT
    with time_machine.travel(dt.datetime(2026, 3, 10, 6, tzinfo=dt.UTC), tick=False):
        sanctions_process()
    remote.refresh_from_db()
    assert remote.state == AccountState.ACTIVE


def test_a_severe_breach_suspends_the_subjects_accounts_until_the_outcome(incident, dsl, pupil):
    account = active_account(pupil)
    with time_machine.travel(MONDAY, tick=False):
        incident = incident_set_severity(
            actor=dsl,
            incident=incident,
            severity=Severity.SEVERE,
            suspend_accounts=True,
            reason="Shared his password with older pupils to reach blocked sites.",
        )
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    suspension = incident.sanctions.get(kind=SanctionKind.SUSPENSION)
    assert suspension.ends_on is None
    with time_machine.travel(MONDAY + dt.timedelta(days=3), tick=False):
        for step in incident.steps.all():
            step_complete(actor=dsl, step=step, note="Done")
        incident_close(
            actor=dsl, incident=incident, outcome="upheld", notes="Disciplinary process concluded."
        )
    account.refresh_from_db()
    suspension.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    assert suspension.state == SanctionState.ENDED


def test_a_verbal_warning_lapses_after_12_months(incident, dsl, pupil):
    with time_machine.travel(MONDAY, tick=False):
        warning = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.VERBAL_WARNING,
            starts_on=dt.date(2026, 3, 2),
        )
    assert warning.lapses_on == dt.date(2027, 3, 2)
    sanctions_process(today=dt.date(2027, 3, 1))
    warning.refresh_from_db()
    assert warning.state == SanctionState.ACTIVE
    sanctions_process(today=dt.date(2027, 3, 2))
    warning.refresh_from_db()
    assert warning.state == SanctionState.LAPSED


def test_only_a_subject_can_be_sanctioned(incident, dsl, other_pupil):
    with pytest.raises(ServiceError, match="not a subject"):
        sanction_add(
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
        sanction = sanction_add(
            actor=dsl,
            incident=incident,
            person=pupil,
            kind=SanctionKind.WITHDRAW_REMOTE,
            starts_on=dt.date(2026, 3, 9),
            ends_on=dt.date(2026, 3, 16),
        )
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    sanctions_process(today=dt.date(2026, 3, 9))
    account.refresh_from_db()
    sanction.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    assert sanction.suspended_accounts == [account.pk]
