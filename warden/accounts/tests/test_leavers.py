"""Leavers: +48 h removal deadlines, the board, the overdue e-mail (once), expiries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import Account, AccountState, SupplyPasswordChange, SystemKind
from warden.accounts.selectors import LeaverItem, leavers_board
from warden.accounts.tests.helpers import active_account
from warden.cli import main as warden
from warden.core.models import AuditEntry
from warden.core.roles import Role
from warden.people.services import person_set_leaving
from warden.testing.clients import committed
from warden.testing.factories import PersonFactory, UserFactory, member

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Leaving on Friday 16 October 2026: the day ends at midnight, London time (BST).
LEAVING = dt.date(2026, 10, 16)
DAY_ENDS = dt.datetime(2026, 10, 17, 0, 0, tzinfo=LONDON)


@pytest.fixture
def siro(school):
    user = UserFactory.create(username="siro", email="siro@example.org")
    member(user, school, Role.SIRO)
    return user


@pytest.fixture
def leaver_accounts(school, directory, email, mis, headteacher):
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        person = PersonFactory.create(school=school, first_name="Lee", last_name="Leaver")
        accounts = [
            active_account(person, s, approver=headteacher) for s in (directory, email, mis)
        ]
    return person, accounts


def test_setting_a_leaving_date_puts_a_48_hour_deadline_on_every_account(leaver_accounts):
    person, accounts = leaver_accounts
    with time_machine.travel(dt.datetime(2026, 10, 10, 9, tzinfo=dt.UTC), tick=False):
        person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
    for account in accounts:
        account.refresh_from_db()
        assert account.removal_deadline == DAY_ENDS + dt.timedelta(hours=48)
    assert AuditEntry.objects.filter(action="account.removal_deadline_set").count() == len(accounts)


def test_the_window_is_a_school_setting(school, leaver_accounts, ict_manager):
    services.accounts_settings_update(
        actor=ict_manager, school=school, removal_window_hours=24, auto_suspend=True
    )
    person, accounts = leaver_accounts
    person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
    accounts[0].refresh_from_db()
    assert accounts[0].removal_deadline == DAY_ENDS + dt.timedelta(hours=24)
    with pytest.raises(services.ServiceError, match="between 1 and 48"):
        services.accounts_settings_update(
            actor=ict_manager, school=school, removal_window_hours=72, auto_suspend=True
        )


def test_at_49_hours_they_show_overdue_and_the_ict_manager_and_siro_are_told_once(
    school, leaver_accounts, ict_manager, siro, technician, client_for
):
    person, accounts = leaver_accounts
    person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
    with time_machine.travel(DAY_ENDS + dt.timedelta(hours=47), tick=False):
        with committed():
            warden(["accounts", "deadlines"])
        assert mail.outbox == []
        board = leavers_board(school)
        assert not board[0].overdue
    with time_machine.travel(DAY_ENDS + dt.timedelta(hours=49), tick=True):
        board = leavers_board(school)
        assert board[0].person == person and board[0].overdue
        page = client_for(technician).get(reverse("accounts:leavers"))
        assert page.status_code == 200 and b"Overdue" in page.content
        with committed():
            warden(["accounts", "deadlines"])
            warden(["accounts", "deadlines"])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {ict_manager.email, siro.email}
    assert "Lee Leaver" in message.body and "Overdue" in message.subject
    for account in accounts:
        account.refresh_from_db()
        assert account.overdue_notified_at is not None
    assert AuditEntry.objects.filter(action="account.overdue_notified").count() == 3


def test_the_board_keeps_a_leaver_until_completed_then_takes_them_off(
    school, leaver_accounts, technician, client_for
):
    person, accounts = leaver_accounts
    person_set_leaving(actor=None, person=person, leaving_date=LEAVING)
    client = client_for(technician)
    for account in accounts:
        client.post(
            reverse("accounts:account_disable", kwargs={"account_pk": account.pk}),
            {"reason": "Leaver", "next": reverse("accounts:leavers")},
        )
        account.refresh_from_db()
        assert account.state == AccountState.DISABLED and account.disabled_by == technician
    # Everything is done, but the leaver is not yet completed: the board still offers it.
    complete = reverse("accounts:leaver_complete", kwargs={"person_pk": person.pk})
    board = client.get(reverse("accounts:leavers"))
    assert complete.encode() in board.content
    assert b"Disable</button>" not in board.content
    assert [leaver.outstanding for leaver in leavers_board(school)] == [0]
    response = client.post(complete)
    assert response["Location"] == reverse("accounts:leavers")
    assert leavers_board(school) == []
    assert complete.encode() not in client.get(reverse("accounts:leavers")).content
    done = client.get(reverse("accounts:leavers") + "?done=1")
    assert done.status_code == 200 and b"Completed " in done.content
    assert leavers_board(school, include_done=True)[0].person == person


def test_a_pupil_missing_from_the_mis_import_gets_deadlines(school, directory, tmp_path):
    from warden.people.importing import people_import
    from warden.people.models import Person
    from warden.people.tests.import_files import SIMS_HEADER, sims_pupils, write_csv

    def run(path):
        return people_import(
            actor=None,
            school=school,
            data=path.read_bytes(),
            filename=path.name,
            source="",
            mapping=None,
            default_type="pupil",
            dry_run=False,
            skip_bad_rows=False,
            mark_missing_as_leaving=True,
        )

    rows = sims_pupils(3)
    run(write_csv(tmp_path / "all.csv", SIMS_HEADER, rows))
    gone = Person.objects.get(mis_id=rows[2][0])
    account = active_account(gone, directory)
    run(write_csv(tmp_path / "fewer.csv", SIMS_HEADER, rows[:2]))
    account.refresh_from_db()
    gone.refresh_from_db()
    assert gone.leaving_date is not None
    expected = services.end_of_day(gone.leaving_date, school) + dt.timedelta(hours=48)
    assert account.removal_deadline == expected


def test_supply_and_visitor_accounts_are_disabled_when_they_expire(school, headteacher):
    wifi = services.system_create(
        actor=None, school=school, fields={"name": "Guest Wi-Fi", "kind": SystemKind.GUEST_WIFI}
    )
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        visitor = PersonFactory.create(
            school=school, person_type="visitor", leaving_date=dt.date(2026, 10, 2)
        )
        account = active_account(visitor, wifi, approver=headteacher)
    assert account.expires_at == dt.datetime(2026, 10, 3, 0, 0, tzinfo=LONDON)
    with time_machine.travel(dt.datetime(2026, 10, 2, 20, tzinfo=dt.UTC), tick=False):
        warden(["accounts", "deadlines"])
        account.refresh_from_db()
        assert account.state == AccountState.ACTIVE
    with time_machine.travel(dt.datetime(2026, 10, 3, 1, tzinfo=dt.UTC), tick=False):
        warden(["accounts", "deadlines"])
    account.refresh_from_db()
    assert account.state == AccountState.DISABLED and account.disabled_by is None
    entry = AuditEntry.objects.get(action="account.disabled", object_id=str(account.pk))
    assert entry.actor is None and entry.via == "cli"


def test_the_generic_supply_accounts_password_changes_are_recorded_without_the_password(
    school, technician, client_for
):
    supply = services.system_create(
        actor=None,
        school=school,
        fields={"name": "Generic supply account", "kind": SystemKind.SUPPLY},
    )
    url = reverse("accounts:supply_password_record", kwargs={"system_pk": supply.pk})
    client_for(technician).post(url, {"reason": "Termly change"})
    change = SupplyPasswordChange.objects.get()
    assert change.changed_by == technician and change.reason == "Termly change"
    assert AuditEntry.objects.filter(action="supply_password.changed").exists()
    page = client_for(technician).get(
        reverse("accounts:system_detail", kwargs={"system_pk": supply.pk})
    )
    assert b"Termly change" in page.content
    assert not hasattr(change, "password")


def test_other_areas_add_rows_to_the_leavers_board(school, leaver_accounts, monkeypatch):
    from warden.accounts import selectors

    person, _ = leaver_accounts
    person_set_leaving(actor=None, person=person, leaving_date=LEAVING)

    def laptops(school, people, now):
        return {
            p.pk: [LeaverItem("device", "Laptop L-042", None, False, False, "On loan")]
            for p in people
        }

    monkeypatch.setattr(
        selectors, "leaver_providers", lambda: [selectors.account_leaver_items, laptops]
    )
    items = leavers_board(school)[0].items
    assert {i.kind for i in items} == {"account", "device"}
    assert Account.objects.filter(person=person).count() == 3


def test_the_daily_command_queues_both_jobs(db, capsys):
    warden(["accounts", "daily"])
    assert "Queued" in capsys.readouterr().out


def test_enforce_needs_a_school(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--school"):
        call_command("accounts", "enforce")


def test_a_leaver_is_completed_only_once_every_account_is_removed(
    leaver_accounts, headteacher, technician, client_for
):
    person, accounts = leaver_accounts
    person_set_leaving(actor=headteacher, person=person, leaving_date=LEAVING, reason="Moving")
    client = client_for(technician)
    url = reverse("accounts:leaver_complete", kwargs={"person_pk": person.pk})
    refused = client.post(url, follow=True)
    assert b"cannot be completed as a leaver yet" in refused.content
    assert accounts[0].username.encode() in refused.content
    assert not AuditEntry.objects.filter(action="leaver.completed").exists()
    for account in accounts:
        services.account_disable(actor=technician, account=account, reason="Leaver")
    done = client.post(url, follow=True)
    assert b"is completed as a leaver" in done.content
    entry = AuditEntry.objects.get(action="leaver.completed")
    assert entry.actor == technician
    with pytest.raises(services.ServiceError, match="already been completed"):
        services.leaver_complete(actor=technician, person=person)


def test_someone_without_a_leaving_date_cannot_be_completed(school, technician):
    person = PersonFactory.create(school=school)
    with pytest.raises(services.ServiceError, match="no leaving date"):
        services.leaver_complete(actor=technician, person=person)


def test_teachers_cannot_complete_leavers(leaver_accounts, teacher, client_for):
    person, _ = leaver_accounts
    url = reverse("accounts:leaver_complete", kwargs={"person_pk": person.pk})
    assert client_for(teacher).post(url).status_code == 403
