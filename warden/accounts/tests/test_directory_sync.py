"""The LDAP connector against a real slapd: create, disable, re-enable, groups by role/year."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from ldap3 import BASE, Connection

from warden.accounts import services
from warden.accounts.models import AccountState, DirectorySync, SyncState, System
from warden.accounts.tests.conftest import Slapd
from warden.accounts.tests.conftest import ldap_connection as _ldap
from warden.accounts.tests.helpers import active_account
from warden.cli import main as warden
from warden.core.models import AuditEntry
from warden.people.services import person_set_leaving
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _entry(conn: Connection, dn: str, *attrs: str) -> Any:
    if not conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=list(attrs) or ["*"]):
        return None
    return dict(conn.response[0]["attributes"])


def _members(conn: Connection, slapd: Slapd, cn: str) -> set[str]:
    entry = _entry(conn, f"cn={cn},{slapd.groups_dn}", "member")
    return {m.lower() for m in (entry or {}).get("member", [])}


def _sync(ldap_system: System, actor=None) -> DirectorySync:
    sync = services.directory_sync_plan(actor=actor, system=ldap_system)
    return services.directory_sync_apply(actor=actor, sync=sync)


def test_a_year_7_pupil_is_in_the_year_7_group_and_a_leaver_is_disabled(
    school, ldap_system, slapd, ict_manager
):
    teacher = PersonFactory.create(school=school, first_name="Alex", last_name="Teacher")
    leaver = PersonFactory.create(school=school, first_name="Blair", last_name="Leaver")
    pupil = PupilFactory.create(school=school, first_name="Casey", last_name="Pupil")
    accounts = {
        p.pk: active_account(p, ldap_system, username=u)
        for p, u in [(teacher, "a.teacher"), (leaver, "b.leaver"), (pupil, "c.pupil")]
    }
    first = _sync(ldap_system, ict_manager)
    assert first.state == SyncState.APPLIED and not first.error
    conn = _ldap(slapd)
    pupil_dn = f"uid=c.pupil,{slapd.people_dn}"
    leaver_dn = f"uid=b.leaver,{slapd.people_dn}"
    assert _entry(conn, pupil_dn, "cn")["cn"] == ["Casey Pupil"]
    assert pupil_dn.lower() in _members(conn, slapd, "year-7")
    assert pupil_dn.lower() in _members(conn, slapd, "pupils")
    assert leaver_dn.lower() in _members(conn, slapd, "staff")
    assert pupil_dn.lower() not in _members(conn, slapd, "staff")

    # The leaver leaves; their account is disabled from the leavers' board; then the sync.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    person_set_leaving(actor=None, person=leaver, leaving_date=yesterday)
    services.account_disable(actor=ict_manager, account=accounts[leaver.pk], reason="Leaver")
    plan = services.directory_sync_plan(actor=ict_manager, system=ldap_system)
    ops = {(c["op"], c["dn"]) for c in plan.changes}
    assert ("disable", leaver_dn) in ops
    # The dry run wrote nothing yet.
    assert _entry(conn, leaver_dn, "shadowExpire").get("shadowExpire") in (None, [])
    services.directory_sync_apply(actor=ict_manager, sync=plan)
    assert _entry(conn, leaver_dn, "shadowExpire")["shadowExpire"] == 1
    assert leaver_dn.lower() not in _members(conn, slapd, "staff")
    assert pupil_dn.lower() in _members(conn, slapd, "year-7")

    # Nothing left to do: a second preview is empty.
    assert services.directory_sync_plan(actor=None, system=ldap_system).changes == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"directory_sync.planned", "directory_sync.applied"} <= actions


def test_re_enabling_an_account_clears_the_disable_and_restores_groups(school, ldap_system, slapd):
    person = PersonFactory.create(school=school, first_name="Dana", last_name="Staff")
    account = active_account(person, ldap_system, username="d.staff")
    _sync(ldap_system)
    services.account_suspend(actor=None, account=account, reason="Investigation")
    _sync(ldap_system)
    conn = _ldap(slapd)
    dn = f"uid=d.staff,{slapd.people_dn}"
    assert _entry(conn, dn, "shadowExpire")["shadowExpire"] == 1
    # An emptied group is removed (groupOfNames needs a member).
    assert _entry(conn, f"cn=staff,{slapd.groups_dn}") is None
    services.account_reenable(actor=None, account=account)
    _sync(ldap_system)
    assert not _entry(conn, dn, "shadowExpire").get("shadowExpire")
    assert dn.lower() in _members(conn, slapd, "teaching-staff")


def test_the_pages_show_the_diff_first_then_apply_it(
    school, ldap_system, slapd, ict_manager, client_for
):
    person = PupilFactory.create(school=school, first_name="Eden", last_name="Pupil")
    active_account(person, ldap_system, username="e.pupil")
    client = client_for(ict_manager)
    response = client.post(reverse("accounts:sync_preview", kwargs={"system_pk": ldap_system.pk}))
    sync = DirectorySync.objects.get()
    assert response.url == reverse("accounts:sync_detail", kwargs={"sync_pk": sync.pk})
    page = client.get(response.url)
    assert b"uid=e.pupil" in page.content and b"year-7" in page.content
    conn = _ldap(slapd)
    assert _entry(conn, f"uid=e.pupil,{slapd.people_dn}") is None
    client.post(reverse("accounts:sync_apply", kwargs={"sync_pk": sync.pk}))
    sync.refresh_from_db()
    assert sync.state == SyncState.APPLIED and sync.applied_count == len(sync.changes)
    assert _entry(conn, f"uid=e.pupil,{slapd.people_dn}") is not None
    # Applying the same preview twice is refused.
    client.post(reverse("accounts:sync_apply", kwargs={"sync_pk": sync.pk}))
    assert DirectorySync.objects.get().applied_count == len(sync.changes)


def test_a_stale_preview_is_not_applied(school, ldap_system, slapd):
    person = PersonFactory.create(school=school)
    active_account(person, ldap_system, username="f.staff")
    plan = services.directory_sync_plan(actor=None, system=ldap_system)
    other = PersonFactory.create(school=school)
    active_account(other, ldap_system, username="g.staff")
    with pytest.raises(services.ServiceError, match="changed since this preview"):
        services.directory_sync_apply(actor=None, sync=plan)
    assert _entry(_ldap(slapd), f"uid=f.staff,{slapd.people_dn}") is None


def test_a_technician_cannot_sync_the_directory(ldap_system, technician, client_for):
    response = client_for(technician).post(
        reverse("accounts:sync_preview", kwargs={"system_pk": ldap_system.pk})
    )
    assert response.status_code == 403


def test_the_bind_password_comes_from_a_file_or_the_environment(school, tmp_path, monkeypatch):
    from warden.accounts.directory import bind_password

    secret = tmp_path / "bind"
    secret.write_text("from-a-file\n", encoding="utf-8")
    system = System(school=school, name="Dir", ldap_password_file=str(secret))
    assert bind_password(system) == "from-a-file"
    system = System(school=school, name="Dir", ldap_password_env="WARDEN_NO_SUCH_VARIABLE")
    monkeypatch.delenv("WARDEN_NO_SUCH_VARIABLE", raising=False)
    with pytest.raises(services.ServiceError, match="is not set"):
        bind_password(system)


def test_an_unreachable_directory_is_a_refusal_not_a_crash(school, ict_manager, client_for):
    system = services.system_create(
        actor=None,
        school=school,
        fields={
            "name": "Dir",
            "connector": "ldap",
            "ldap_url": "ldap://127.0.0.1:1",
            "ldap_people_dn": "ou=people,dc=x",
        },
    )
    response = client_for(ict_manager).post(
        reverse("accounts:sync_preview", kwargs={"system_pk": system.pk}), follow=True
    )
    assert b"Cannot connect to the directory" in response.content
    assert not DirectorySync.objects.exists()


def test_at_the_deadline_a_leavers_directory_account_is_disabled_after_a_dry_run_on_the_board(
    school, ldap_system, slapd, ict_manager, client_for, capsys
):
    stayer = PersonFactory.create(school=school, first_name="Harper", last_name="Stays")
    leaver = PersonFactory.create(school=school, first_name="Indy", last_name="Leaves")
    active_account(stayer, ldap_system, username="h.stays")
    account = active_account(leaver, ldap_system, username="i.leaves")
    _sync(ldap_system)
    # A joiner waits for a person to preview and apply: the deadline run leaves them alone.
    joiner = PersonFactory.create(school=school, first_name="Jules", last_name="Joins")
    active_account(joiner, ldap_system, username="j.joins")
    conn = _ldap(slapd)
    leaver_dn = f"uid=i.leaves,{slapd.people_dn}"

    person_set_leaving(actor=None, person=leaver, leaving_date=timezone.localdate())
    board = client_for(ict_manager).get(reverse("accounts:leavers")).content.decode()
    assert "What the deadlines will change in Network sign-in" in board
    assert "disable i.leaves" in board and "staff: −1" in board
    assert "j.joins" not in board  # only the leavers' part
    assert not _entry(conn, leaver_dn, "shadowExpire").get("shadowExpire")  # a dry run

    account.refresh_from_db()
    assert account.removal_deadline is not None
    with time_machine.travel(account.removal_deadline + dt.timedelta(minutes=1), tick=False):
        warden(["accounts", "deadlines"])
    assert "1 leavers' accounts disabled at their deadline" in capsys.readouterr().out
    account.refresh_from_db()
    assert account.state == AccountState.DISABLED
    assert _entry(conn, leaver_dn, "shadowExpire")["shadowExpire"] == 1
    assert leaver_dn.lower() not in _members(conn, slapd, "staff")
    assert f"uid=h.stays,{slapd.people_dn}".lower() in _members(conn, slapd, "staff")
    assert _entry(conn, f"uid=j.joins,{slapd.people_dn}") is None
    assert DirectorySync.objects.filter(state=SyncState.APPLIED, applied_by=None).exists()


def test_a_lapsed_agreement_disables_the_directory_account_with_no_task_by_hand(
    school, ldap_system, slapd, technician, client_for
):
    from warden.agreements import services as agreement_services
    from warden.agreements.models import Agreement, Audience

    start = dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        person = PersonFactory.create(school=school, first_name="Lee", last_name="Lapsed")
        account = active_account(person, ldap_system, username="l.lapsed")
        _sync(ldap_system)
    with time_machine.travel(start + dt.timedelta(days=30), tick=False):
        agreement = Agreement.objects.get(school=school, audience=Audience.STAFF)
        draft = agreement_services.version_create(
            actor=None, agreement=agreement, label="2026b", text="Changed terms to read. " * 5
        )
        agreement_services.version_publish(actor=None, version=draft, requires_resign=True)
    conn = _ldap(slapd)
    dn = f"uid=l.lapsed,{slapd.people_dn}"
    assert not _entry(conn, dn, "shadowExpire").get("shadowExpire")

    with time_machine.travel(start + dt.timedelta(days=90), tick=False):
        warden(["accounts", "enforce", "--school", school.slug])
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    assert _entry(conn, dn, "shadowExpire")["shadowExpire"] == 1
    assert dn.lower() not in _members(conn, slapd, "staff")
    assert not account.hand_suspensions.exists()
    entry = AuditEntry.objects.filter(action="directory_sync.applied").order_by("seq").last()
    assert entry is not None and entry.changes["agreement_lapsed"] == [None, [account.pk]]
