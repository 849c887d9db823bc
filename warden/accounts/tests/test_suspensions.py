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
