"""Reminders to change passwords on the school's own systems (duty "Passwords changed, not
reused"): every 3 months by default, or never (NCSC's advice), sent by the daily job."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from ldap3 import MODIFY_REPLACE

from warden.accounts import services
from warden.accounts.tasks import send_password_reminders
from warden.accounts.tests.conftest import ldap_connection
from warden.accounts.tests.helpers import active_account
from warden.core.models import AuditEntry
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

SET_UP = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def _run(at: dt.datetime, capture) -> list:
    """The daily job at ``at``, with its e-mails sent once its changes commit."""
    from django.core import mail

    mail.outbox.clear()
    with time_machine.travel(at, tick=False), capture(execute=True):
        send_password_reminders.enqueue()
    return list(mail.outbox)


@pytest.fixture
def staff_accounts(school, directory, email):
    with time_machine.travel(SET_UP, tick=False):
        person = PersonFactory.create(
            school=school, first_name="Robin", last_name="Staff", email="robin@oakfield.test"
        )
        pupil = PupilFactory.create(school=school, email="pupil@oakfield.test")
        accounts = [active_account(person, s) for s in (directory, email)]
        active_account(pupil, email)
    return person, accounts


def test_staff_are_reminded_once_when_their_passwords_are_three_months_old(
    school, staff_accounts, django_capture_on_commit_callbacks
):
    person, _accounts = staff_accounts
    assert _run(SET_UP + dt.timedelta(days=89), django_capture_on_commit_callbacks) == []

    sent = _run(SET_UP + dt.timedelta(days=90), django_capture_on_commit_callbacks)

    assert [m.to for m in sent] == [["robin@oakfield.test"]]
    assert "Network sign-in (username" in sent[0].body and "E-mail (username" in sent[0].body
    assert "every 90 days" in sent[0].body
    entry = AuditEntry.objects.get(action="password_reminder.sent")
    assert entry.object_repr == str(person)
    # Counted again from the reminder: nothing the next day, again three months later.
    assert _run(SET_UP + dt.timedelta(days=91), django_capture_on_commit_callbacks) == []
    again = _run(SET_UP + dt.timedelta(days=180), django_capture_on_commit_callbacks)
    assert [m.to for m in again] == [["robin@oakfield.test"]]


def test_a_school_following_ncsc_advice_sends_no_reminders(
    school, staff_accounts, headteacher, client_for, django_capture_on_commit_callbacks
):
    page = client_for(headteacher).get(reverse("accounts:settings")).content.decode()
    assert "Days before staff are reminded to change passwords on school systems" in page
    assert "National Cyber Security Centre" in page
    response = client_for(headteacher).post(
        reverse("accounts:settings"),
        {
            "removal_window_hours": 48,
            "auto_suspend": "on",
            "password_max_age_days": 90,
            "managed_change_reminder_days": 0,
        },
        follow=True,
    )
    assert "Account settings saved." in response.content.decode()
    entry = AuditEntry.objects.filter(action="accounts_settings.updated").latest("seq")
    assert entry.changes["managed_change_reminder_days"] == [90, 0]
    assert _run(SET_UP + dt.timedelta(days=400), django_capture_on_commit_callbacks) == []


def test_more_than_a_year_between_reminders_is_refused(school, headteacher):
    with pytest.raises(services.ServiceError, match="from 1 to 365, or 0 for no reminders"):
        services.accounts_settings_update(
            actor=headteacher,
            school=school,
            removal_window_hours=48,
            auto_suspend=True,
            managed_change_reminder_days=400,
        )


def test_the_daily_schedule_lists_the_reminders():
    from warden.core.schedule import all_jobs

    assert "accounts.password_reminders" in {job.name for job in all_jobs()}


def test_a_connected_directory_says_when_the_password_was_last_changed(
    school, ldap_system, slapd, django_capture_on_commit_callbacks
):
    with time_machine.travel(SET_UP, tick=False):
        fresh = PersonFactory.create(school=school, email="fresh@oakfield.test")
        stale = PersonFactory.create(school=school, email="stale@oakfield.test")
        active_account(fresh, ldap_system, username="fresh")
        active_account(stale, ldap_system, username="stale")
        services.directory_sync_apply(
            actor=None, sync=services.directory_sync_plan(actor=None, system=ldap_system)
        )
    at = SET_UP + dt.timedelta(days=100)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    conn = ldap_connection(slapd)
    for uid, changed in (("fresh", at - dt.timedelta(days=10)), ("stale", SET_UP)):
        days = str((changed - epoch).days)
        conn.modify(
            f"uid={uid},{slapd.people_dn}", {"shadowLastChange": [(MODIFY_REPLACE, [days])]}
        )

    sent = _run(at, django_capture_on_commit_callbacks)

    assert [m.to for m in sent] == [["stale@oakfield.test"]]
    # Still unchanged a day later: not every day, but again after a week.
    assert _run(at + dt.timedelta(days=1), django_capture_on_commit_callbacks) == []
    assert len(_run(at + dt.timedelta(days=7), django_capture_on_commit_callbacks)) == 1
