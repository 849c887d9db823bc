"""Disable all of one leaver's accounts: a page that says what will happen, then one action.

A connected directory is written at once; every other system gets a task to disable the
account there by hand, which keeps the leaver open until it is done. Each account is
audited; a second run changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.accounts import services
from warden.accounts.models import AccountState, DirectorySync, HandStep, SyncState
from warden.accounts.tests.conftest import ldap_connection
from warden.accounts.tests.helpers import active_account
from warden.accounts.tests.test_directory_sync import _entry, _sync
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.people.services import person_set_leaving
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("accounts:leavers")


@pytest.fixture
def leaver(school, ldap_system, email, mis, headteacher):
    """A member of staff leaving today with accounts on the connected directory, e-mail and
    the MIS (neither of which Warden can reach)."""
    person = PersonFactory.create(school=school, first_name="Departing", last_name="Teacher")
    accounts = {
        "directory": active_account(person, ldap_system, approver=headteacher, username="d.dep"),
        "email": active_account(person, email, approver=headteacher),
        "mis": active_account(person, mis, approver=headteacher),
    }
    _sync(ldap_system)
    person_set_leaving(actor=None, person=person, leaving_date=timezone.localdate())
    person.refresh_from_db()
    return person, accounts


def _url(person) -> str:
    return reverse("accounts:leaver_disable_all", kwargs={"person_pk": person.pk})


def test_the_board_offers_it_and_the_page_says_what_will_happen_to_each_account(
    leaver, ict_manager, client_for
):
    person, accounts = leaver
    client = client_for(ict_manager)
    board = client.get(BOARD).content.decode()
    assert f"Disable all of {person}'s accounts" in board
    assert _url(person) in board
    page = client.get(_url(person), {"next": BOARD + "?q=Departing"}).content.decode()
    assert "Disable 3 accounts" in page
    assert "Disabled in Warden, and in the Network sign-in directory at once." in page
    assert "a task to disable it by hand on E-mail" in page
    assert "a task to disable it by hand on MIS" in page
    assert 'href="/accounts/leavers/?q=Departing">Cancel' in page
    # Looking is not doing.
    for account in accounts.values():
        account.refresh_from_db()
        assert account.state == AccountState.ACTIVE


def test_one_action_disables_every_account_writes_the_directory_and_lists_the_rest(
    school, leaver, slapd, ict_manager, technician, client_for
):
    person, accounts = leaver
    client = client_for(ict_manager)
    response = client.post(_url(person), {"next": BOARD}, follow=True)
    assert response.redirect_chain == [(BOARD, 302)]
    content = response.content.decode()
    assert "3 accounts of Departing Teacher disabled." in content
    assert "Written to the Network sign-in directory." in content
    assert "Still to disable by hand: E-mail, MIS." in content

    for account in accounts.values():
        account.refresh_from_db()
        assert account.state == AccountState.DISABLED and account.disabled_by == ict_manager
    entries = AuditEntry.objects.filter(action="account.disabled", actor=ict_manager)
    assert sorted(int(e.object_id) for e in entries) == sorted(a.pk for a in accounts.values())
    assert all("Leaver" in e.changes["suspension_reason"][1] for e in entries)

    # The connected directory was written at once, audited as a sync.
    dn = f"uid=d.dep,{slapd.people_dn}"
    assert _entry(ldap_connection(slapd), dn, "shadowExpire")["shadowExpire"] == 1
    sync = DirectorySync.objects.filter(system=accounts["directory"].system).latest("pk")
    assert sync.state == SyncState.APPLIED and sync.applied_count >= 1
    assert not accounts["directory"].hand_suspensions.exists()

    # Everything else is a task by hand, and the leaver cannot be completed before it is done.
    tasks = {a: accounts[a].hand_suspensions.get(done_at=None) for a in ("email", "mis")}
    assert {t.step for t in tasks.values()} == {HandStep.DISABLE}
    assert AuditEntry.objects.filter(action="hand_disable.listed").count() == 2
    board = client.get(BOARD).content.decode()
    assert "still to disable by hand on E-mail" in board and "Done by hand</button>" in board
    assert f"Disable all of {person}" not in board
    with pytest.raises(ServiceError, match="still open"):
        services.leaver_complete(actor=ict_manager, person=person)
    # The disable tasks are the leavers' board's, not the suspension list's.
    assert "by hand on E-mail" not in client.get(reverse("accounts:suspensions")).content.decode()

    for task in tasks.values():
        done = reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk})
        confirmed = client_for(technician).post(done, {"next": BOARD}, follow=True)
        assert confirmed.redirect_chain == [(BOARD, 302)]
        assert "is recorded as disabled on" in confirmed.content.decode()
    assert AuditEntry.objects.filter(action="hand_disable.done", actor=technician).count() == 2
    services.leaver_complete(actor=ict_manager, person=person)


def test_a_second_run_changes_nothing(leaver, ict_manager, client_for):
    person, _accounts = leaver
    client = client_for(ict_manager)
    client.post(_url(person), {"next": BOARD})
    written = AuditEntry.objects.count()
    syncs = DirectorySync.objects.count()
    again = client.post(_url(person), {"next": BOARD}, follow=True)
    assert "has no live account left: nothing was changed" in again.content.decode()
    assert AuditEntry.objects.count() == written
    assert DirectorySync.objects.count() == syncs
    assert "there is nothing to disable" in client.get(_url(person)).content.decode()
    report = services.leaver_accounts_disable(actor=ict_manager, person=person)
    assert report.disabled == [] and report.by_hand == []


def test_a_task_to_suspend_by_hand_becomes_one_to_disable(school, email, ict_manager):
    person = PersonFactory.create(school=school)
    account = active_account(person, email)
    account = services.account_suspend(actor=None, account=account, reason="Lapsed agreement")
    services._hand_suspension_open(actor=None, account=account, reason="Lapsed agreement")
    person_set_leaving(actor=None, person=person, leaving_date=timezone.localdate())
    person.refresh_from_db()
    services.leaver_accounts_disable(actor=ict_manager, person=person)
    task = account.hand_suspensions.get()
    assert task.step == HandStep.DISABLE and task.done_at is None
    entry = AuditEntry.objects.get(action="hand_disable.listed")
    assert entry.changes["step"] == ["suspend", "disable"]


def test_only_a_leavers_accounts_are_disabled_all_at_once(school, email, ict_manager, client_for):
    person = PersonFactory.create(school=school)
    active_account(person, email)
    page = client_for(ict_manager).get(_url(person)).content.decode()
    assert "has no leaving date" in page and "<button" not in page.split("<main", 1)[1]
    with pytest.raises(ServiceError, match="no leaving date"):
        services.leaver_accounts_disable(actor=None, person=person)


def test_only_those_who_disable_accounts_may_do_it(leaver, office, teacher, client_for):
    person, accounts = leaver
    for user in (office, teacher):
        client = client_for(user)
        assert client.get(_url(person)).status_code == 403
        assert client.post(_url(person)).status_code == 403
    assert "Disable all of" not in client_for(office).get(BOARD).content.decode()
    accounts["email"].refresh_from_db()
    assert accounts["email"].state == AccountState.ACTIVE
