"""The suspension list: past the agreement grace period; automatic suspension unless paused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import AccountState
from warden.accounts.tests.helpers import active_account
from warden.agreements import services as agreement_services
from warden.agreements.models import Agreement, Audience
from warden.cli import main as warden
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

SEPT = dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


@pytest.fixture
def lapsed(school, directory, email, headteacher):
    """A member of staff whose agreement was replaced by one requiring everyone to re-sign."""
    with time_machine.travel(SEPT, tick=False):
        person = PersonFactory.create(school=school, first_name="Kit", last_name="Unsigned")
        accounts = [active_account(person, s, approver=headteacher) for s in (directory, email)]
    with time_machine.travel(SEPT + dt.timedelta(days=30), tick=False):
        agreement = Agreement.objects.get(school=school, audience=Audience.STAFF)
        draft = agreement_services.version_create(
            actor=None, agreement=agreement, label="2026b", text="Changed terms to read. " * 5
        )
        agreement_services.version_publish(actor=None, version=draft, requires_resign=True)
    return person, accounts


def test_people_past_grace_are_listed_with_their_live_accounts(
    school, lapsed, technician, client_for
):
    _person, accounts = lapsed
    with time_machine.travel(LATER, tick=True):
        page = client_for(technician).get(reverse("accounts:suspensions"))
    assert b"Kit Unsigned" in page.content and b"not signed" in page.content
    assert accounts[0].username.encode() in page.content


def test_automatic_suspension_is_on_unless_the_school_pauses_it(school, lapsed, ict_manager):
    person, accounts = lapsed
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(services.ServiceError, match="Say why automatic suspension is paused"):
            services.accounts_settings_update(
                actor=ict_manager, school=school, removal_window_hours=48, auto_suspend=False
            )
        services.accounts_settings_update(
            actor=ict_manager,
            school=school,
            removal_window_hours=48,
            auto_suspend=False,
            pause_reason="Agreements re-sent after the summer; pause until 30/09",
        )
        warden(["accounts", "enforce", "--school", school.slug])
        accounts[0].refresh_from_db()
        assert accounts[0].state == AccountState.ACTIVE
        services.accounts_settings_update(
            actor=ict_manager, school=school, removal_window_hours=48, auto_suspend=True
        )
        assert services.accounts_settings(school).auto_suspend_pause_reason == ""
        warden(["accounts", "enforce", "--school", school.slug])
        for account in accounts:
            account.refresh_from_db()
            assert account.state == AccountState.SUSPENDED
            assert "not signed" in account.suspension_reason
        # Signing again restores nothing by itself.
        from warden.agreements.testing import sign_current

        sign_current(person)
        warden(["accounts", "enforce", "--school", school.slug])
        accounts[0].refresh_from_db()
        assert accounts[0].state == AccountState.SUSPENDED
        assert services.account_reenable(actor=None, account=accounts[0]).state == "active"


def test_a_pause_is_audited_and_shown_on_the_headteachers_home_page(
    school, ict_manager, headteacher, client_for
):
    from warden.core.models import AuditEntry

    home = client_for(headteacher).get(reverse("core:dashboard")).content.decode()
    assert "Automatic suspension is paused" not in home
    response = client_for(headteacher).post(
        reverse("accounts:settings"),
        {"removal_window_hours": 48, "pause_reason": "Waiting for the new staff agreement"},
        follow=True,
    )
    assert "Account settings saved." in response.content.decode()
    home = client_for(headteacher).get(reverse("core:dashboard")).content.decode()
    assert "Automatic suspension is paused" in home
    assert "Waiting for the new staff agreement" in home
    entry = AuditEntry.objects.filter(action="accounts_settings.updated").order_by("seq").last()
    assert entry is not None and entry.changes["auto_suspend"] == [True, False]


def test_the_daily_task_suspends_by_default(school, lapsed):
    from warden.accounts.tasks import enforce_agreements

    with time_machine.travel(LATER, tick=False):
        result = enforce_agreements.enqueue()
    assert result.return_value == {school.slug: 2}


def test_the_suspend_button_suspends_everyone_listed(school, lapsed, technician, client_for):
    _person, accounts = lapsed
    with time_machine.travel(LATER, tick=True):
        client_for(technician).post(reverse("accounts:suspensions_apply"))
    accounts[1].refresh_from_db()
    assert accounts[1].state == AccountState.SUSPENDED


def test_accounts_on_systems_warden_cannot_reach_become_tasks_the_technician_confirms(
    school, lapsed, technician, client_for
):
    from warden.accounts.tasks import enforce_agreements
    from warden.core.models import AuditEntry

    _person, accounts = lapsed
    with time_machine.travel(LATER, tick=False):
        enforce_agreements.enqueue()
    with time_machine.travel(LATER, tick=True):
        page = client_for(technician).get(reverse("accounts:suspensions")).content.decode()
    assert "To suspend by hand" in page
    for account in accounts:
        assert f"Suspend {account.username} by hand on {account.system.name}" in page
    listed = AuditEntry.objects.filter(action="hand_suspension.listed")
    assert listed.count() == 2
    with time_machine.travel(LATER, tick=True):
        home = client_for(technician).get(reverse("core:dashboard")).content.decode()
    assert '<span class="stat">2</span> <a href="/accounts/suspensions/#by-hand">' in home

    task = accounts[0].hand_suspensions.get()
    done = client_for(technician).post(
        reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk}), follow=True
    )
    page = done.content.decode()
    assert f"{accounts[0].username} is recorded as suspended on {accounts[0].system}." in page
    assert f"by hand on {accounts[0].system.name}" not in page
    assert f"by hand on {accounts[1].system.name}" in page
    task.refresh_from_db()
    assert task.done_by == technician and task.done_at is not None
    entry = AuditEntry.objects.get(action="hand_suspension.done")
    assert entry.actor == technician

    again = client_for(technician).post(
        reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk}), follow=True
    )
    assert "was already confirmed as suspended by hand" in again.content.decode()


def test_an_account_re_enabled_after_signing_leaves_the_hand_list(
    school, lapsed, technician, client_for
):
    from warden.agreements.testing import sign_current

    person, accounts = lapsed
    with time_machine.travel(LATER, tick=False):
        services.agreements_enforce(actor=None, school=school)
    task = accounts[1].hand_suspensions.get()
    with time_machine.travel(LATER + dt.timedelta(days=1), tick=True):
        sign_current(person)
        services.account_reenable(actor=technician, account=accounts[1])
        page = client_for(technician).get(reverse("accounts:suspensions")).content.decode()
        assert f"by hand on {accounts[1].system.name}" not in page
        assert f"by hand on {accounts[0].system.name}" in page
        refused = client_for(technician).post(
            reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk}), follow=True
        )
    assert "is active again in Warden" in refused.content.decode()


def test_only_those_who_suspend_accounts_confirm_a_hand_suspension(
    school, lapsed, teacher, office, client_for
):
    _person, accounts = lapsed
    with time_machine.travel(LATER, tick=False):
        services.agreements_enforce(actor=None, school=school)
    task = accounts[0].hand_suspensions.get()
    url = reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk})
    for user in (teacher, office):
        assert client_for(user).post(url).status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
