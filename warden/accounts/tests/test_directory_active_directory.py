"""The directory connector's Active Directory kind against Samba's AD domain controller:
logon names, OUs by role and year, groups, disabling leavers, LDAPS passwords."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from ldap3 import BASE, MODIFY_REPLACE, Connection, Server, Tls

from warden.accounts import directory, services
from warden.accounts.models import AccountState, DirectorySync, SyncState, System
from warden.accounts.tests.conftest import ad_connection
from warden.accounts.tests.helpers import active_account
from warden.accounts.tests.samba_ad import SambaAD
from warden.cli import main as warden
from warden.people.services import person_set_leaving, person_update
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _entry(conn: Connection, dn: str) -> dict[str, Any] | None:
    attrs = ["userAccountControl", "sAMAccountName", "userPrincipalName", "displayName", "member"]
    if not conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attrs):
        return None
    return dict(conn.response[0]["attributes"])


def _control(conn: Connection, dn: str) -> int:
    """The entry's userAccountControl: 512 enabled, 514 disabled."""
    entry = _entry(conn, dn)
    assert entry is not None, f"{dn} is not in the directory"
    return int(entry["userAccountControl"])


def _members(conn: Connection, system: System, cn: str) -> set[str]:
    entry = _entry(conn, f"CN={cn},{system.ldap_groups_dn}") or {}
    return {m.lower() for m in entry.get("member", [])}


def _sync(system: System, actor: Any = None) -> DirectorySync:
    sync = services.directory_sync_plan(actor=actor, system=system)
    sync = services.directory_sync_apply(actor=actor, sync=sync)
    assert sync.state == SyncState.APPLIED, sync.error
    return sync


def _set_password(samba_ad: SambaAD, dn: str) -> None:
    """What a technician does in AD itself: set a password, which AD takes over LDAPS only."""
    tls = Tls(ca_certs_file=str(samba_ad.ca_file))
    server = Server(samba_ad.ldaps_url, use_ssl=True, tls=tls)
    with Connection(server, samba_ad.admin_dn, samba_ad.password, auto_bind=True) as conn:
        assert conn.modify(
            dn, {"unicodePwd": [(MODIFY_REPLACE, ['"Handover-Pass-42"'.encode("utf-16-le")])]}
        ), conn.result


def test_a_leaver_is_disabled_in_active_directory_at_the_deadline(
    school, ad_system, samba_ad, ict_manager, client_for
):
    teacher = PersonFactory.create(school=school, first_name="Alex", last_name="Teacher")
    leaver = PersonFactory.create(school=school, first_name="Blair", last_name="Leaver")
    pupil = PupilFactory.create(school=school, first_name="Casey", last_name="Pupil")
    active_account(teacher, ad_system, username="a.teacher")
    account = active_account(leaver, ad_system, username="b.leaver")
    active_account(pupil, ad_system, username="c.pupil")

    # The diff page first: it says why new accounts start disabled over plain LDAP.
    client = client_for(ict_manager)
    response = client.post(reverse("accounts:sync_preview", kwargs={"system_pk": ad_system.pk}))
    page = client.get(response.url).content.decode()
    assert "OU=Year 7,OU=Pupils" in page and "CN=c.pupil" in page
    assert "Active Directory takes passwords only over LDAPS" in page
    conn = ad_connection(samba_ad)
    people = ad_system.ldap_people_dn
    pupil_dn, leaver_dn = (
        f"CN=c.pupil,OU=Year 7,OU=Pupils,{people}",
        f"CN=b.leaver,OU=Staff,{people}",
    )
    assert _entry(conn, pupil_dn) is None  # a dry run
    client.post(reverse("accounts:sync_apply", kwargs={"sync_pk": DirectorySync.objects.get().pk}))
    assert DirectorySync.objects.get().state == SyncState.APPLIED

    pupil_entry = _entry(conn, pupil_dn)
    assert pupil_entry is not None
    assert pupil_entry["sAMAccountName"] == "c.pupil"
    assert pupil_entry["userPrincipalName"] == "c.pupil@oakfield.sch.uk"
    assert pupil_entry["displayName"] == "Casey Pupil"
    assert _control(conn, pupil_dn) == 514  # created disabled: no password yet
    assert pupil_dn.lower() in _members(conn, ad_system, "year-7")
    assert leaver_dn.lower() in _members(conn, ad_system, "staff")
    assert pupil_dn.lower() not in _members(conn, ad_system, "staff")

    # Staff passwords are set in AD; the next sync enables them; the pupil's waits.
    for username in ("a.teacher", "b.leaver"):
        _set_password(samba_ad, f"CN={username},OU=Staff,{people}")
    plan = services.directory_sync_plan(actor=None, system=ad_system)
    assert {(c["op"], c["dn"]) for c in plan.changes} == {
        ("enable", f"CN=a.teacher,OU=Staff,{people}"),
        ("enable", leaver_dn),
        ("waiting", pupil_dn),
    }
    services.directory_sync_apply(actor=None, sync=plan)
    assert _control(conn, leaver_dn) == 512
    # The staff password reminders read when each password was set.
    changed = directory.password_changes(ad_system)
    assert set(changed) == {"a.teacher", "b.leaver"}
    assert abs(changed["a.teacher"] - timezone.now()) < dt.timedelta(minutes=5)

    # The leaver leaves today: the board's dry run, then the deadline run disables them.
    person_set_leaving(actor=None, person=leaver, leaving_date=timezone.localdate())
    board = client.get(reverse("accounts:leavers")).content.decode()
    assert "disable b.leaver" in board and "staff: −1" in board
    assert _control(conn, leaver_dn) == 512
    account.refresh_from_db()
    assert account.removal_deadline is not None
    with time_machine.travel(account.removal_deadline + dt.timedelta(minutes=1), tick=False):
        warden(["accounts", "deadlines"])
    account.refresh_from_db()
    assert account.state == AccountState.DISABLED
    assert _control(conn, leaver_dn) == 514  # disabled, never deleted
    assert leaver_dn.lower() not in _members(conn, ad_system, "staff")
    assert f"CN=a.teacher,OU=Staff,{people}".lower() in _members(conn, ad_system, "staff")


def test_a_pupil_moving_up_a_year_moves_ou_and_year_group(school, ad_system, samba_ad):
    pupil = PupilFactory.create(school=school, first_name="Dana", last_name="Pupil")
    other = PupilFactory.create(school=school, first_name="Eli", last_name="Pupil")
    active_account(pupil, ad_system, username="d.pupil")
    active_account(other, ad_system, username="e.pupil")
    _sync(ad_system)
    people = ad_system.ldap_people_dn
    person_update(actor=None, person=pupil, fields={"year_group": 8, "form": "8A"})
    plan = services.directory_sync_plan(actor=None, system=ad_system)
    old, new = (
        f"CN=d.pupil,OU=Year 7,OU=Pupils,{people}",
        f"CN=d.pupil,OU=Year 8,OU=Pupils,{people}",
    )
    ops = [(c["op"], c["dn"]) for c in plan.changes]
    assert ops.index(("ou_create", f"OU=Year 8,OU=Pupils,{people}")) < ops.index(("move", old))
    services.directory_sync_apply(actor=None, sync=plan)
    conn = ad_connection(samba_ad)
    assert _entry(conn, old) is None and _entry(conn, new) is not None
    assert new.lower() in _members(conn, ad_system, "year-8")
    old_e = f"CN=e.pupil,OU=Year 7,OU=Pupils,{people}"
    assert _members(conn, ad_system, "year-7") == {old_e.lower()}
    assert new.lower() in _members(conn, ad_system, "pupils")
    # Nothing else to do: both wait for a password before they can be enabled.
    again = services.directory_sync_plan(actor=None, system=ad_system).changes
    assert sorted((c["op"], c["dn"]) for c in again) == [("waiting", new), ("waiting", old_e)]


def test_a_logon_name_too_long_for_active_directory_is_refused_with_the_reason(school, ad_system):
    person = PersonFactory.create(school=school)
    active_account(person, ad_system, username="a.very.long.staff.username")
    with pytest.raises(services.ServiceError, match=r"20 at most.*Change them on the accounts"):
        services.directory_sync_plan(actor=None, system=ad_system)


def test_over_ldaps_a_new_account_gets_a_random_password_and_starts_enabled(
    school, ad_system, samba_ad, monkeypatch
):
    # The connector checks the server's certificate against the trust store.
    monkeypatch.setenv("SSL_CERT_FILE", str(samba_ad.ca_file))
    services.system_update(actor=None, system=ad_system, fields={"ldap_url": samba_ad.ldaps_url})
    ad_system.refresh_from_db()
    person = PersonFactory.create(school=school, first_name="Fran", last_name="Staff")
    active_account(person, ad_system, username="f.staff")
    plan = services.directory_sync_plan(actor=None, system=ad_system)
    create = next(c for c in plan.changes if c["op"] == "create")
    assert "random password no one is told" in create["detail"]
    assert "unicodePwd" not in str(plan.changes)  # made when applied, never stored
    _sync(ad_system)
    conn = ad_connection(samba_ad)
    dn = f"CN=f.staff,OU=Staff,{ad_system.ldap_people_dn}"
    assert _control(conn, dn) == 512
    conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=["pwdLastSet"])
    assert conn.response[0]["raw_attributes"]["pwdLastSet"] == [b"0"]  # change at first sign-in
