"""Journey: the ICT manager connects Active Directory, previews the changes, then applies them.

The school runs Active Directory (here Samba's domain controller on loopback). The ICT
manager adds the system from "Systems": an LDAP connector, directory kind Active Directory,
the bind password in a file. A new teacher's account is made active on it. "Preview
directory changes" lists what would be written, OU by OU, and says why the new account will
start disabled over plain LDAP; nothing is in AD yet. Applying it creates the teacher's user
in OU=Staff, disabled, in the staff groups.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ldap3 import BASE, Connection, Server
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden
from warden.accounts.tests.samba_ad import SambaAD, samba_ad_server

SYSTEM = "Curriculum network"
PEOPLE_OU = "OU=Hollybank Journey"

SETUP = """
import json

from django.db import transaction

from warden.accounts.models import System
from warden.accounts.services import account_activate, account_approve, account_request
from warden.agreements.models import AgreementVersion, VersionStatus
from warden.agreements.rules import audience_for
from warden.agreements.services import signature_record
from warden.core.models import School
from warden.people.services import person_create

with transaction.atomic():
    school = School.objects.get(slug="hollybank")
    system = System.objects.get(school=school, name="%(system)s")
    teacher = person_create(actor=None, school=school, fields={
        "person_type": "teaching_staff", "first_name": "Rowan", "last_name": "Directory",
        "mis_id": "AD-JOURNEY"})
    version = AgreementVersion.objects.get(
        school=school, status=VersionStatus.PUBLISHED, agreement__audience=audience_for(teacher))
    signature_record(actor=None, person=teacher, version=version,
                     typed_name=teacher.full_name, confirmed=True, method="desk")
    account = account_request(actor=None, person=teacher, system=system,
                              username="r.directory", reason="Joins in January")
    account = account_approve(actor=None, account=account)
    account_activate(actor=None, account=account)
print(json.dumps({"account": account.pk}))
""".replace("%(system)s", SYSTEM)


@pytest.fixture(scope="module")
def samba_ad() -> Iterator[SambaAD]:
    server = samba_ad_server()
    yield next(server)
    server.close()


def _admin(samba_ad: SambaAD) -> Connection:
    return Connection(
        Server(samba_ad.url), user=samba_ad.admin_dn, password=samba_ad.password, auto_bind=True
    )


def _entry(conn: Connection, dn: str) -> dict[str, Any] | None:
    attrs = ["userAccountControl", "userPrincipalName", "member"]
    if not conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=attrs):
        return None
    return dict(conn.response[0]["attributes"])


def _nav(page: Page, name: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    link = menu.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu.locator("summary", has_text="People and access").click()
    link.click()
    page.wait_for_load_state("load")


def test_the_ict_manager_previews_then_applies_active_directory_changes(
    new_page: NewPage, warden_server: LiveWarden, samba_ad: SambaAD, tmp_path: Path
) -> None:
    people_dn = f"{PEOPLE_OU},{samba_ad.base_dn}"
    conn = _admin(samba_ad)
    for dn in (people_dn, f"OU=Groups,{people_dn}"):
        assert conn.add(dn, ["organizationalUnit"]), conn.result
    secret = tmp_path / "bind-password"
    secret.write_text(samba_ad.password, encoding="utf-8")

    page = new_page()
    sign_in(page, warden_server, "ictmanager.hollybank")
    _nav(page, "Systems")
    page.get_by_role("link", name="Add a system").click()
    check_page(page, "add a system")
    page.get_by_role("textbox", name="Name", exact=True).fill(SYSTEM)
    page.get_by_role("combobox", name="Kind", exact=True).select_option(
        label="Network / directory sign-in"
    )
    page.get_by_label("Connector").select_option(label="LDAP directory")
    page.get_by_label("LDAP server URL").fill(samba_ad.url)
    page.get_by_label("Bind DN").fill(samba_ad.admin_dn)
    page.get_by_label("Bind password: file").fill(str(secret))
    page.get_by_label("People base DN").fill(people_dn)
    page.get_by_label("Groups base DN").fill(f"OU=Groups,{people_dn}")
    page.get_by_label("Directory kind").select_option("ad")
    page.get_by_label("User principal name suffix").fill("hollybank.sch.uk")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=SYSTEM)).to_be_visible()
    expect(page.get_by_text("Active Directory (user, group, OUs by role and year)")).to_be_visible()
    check_page(page, "an Active Directory system")

    warden_server.python(SETUP)
    page.reload()
    page.get_by_role("button", name="Preview directory changes").click()
    expect(page.get_by_role("heading", name=f"Directory changes for {SYSTEM}")).to_be_visible()
    expect(page.get_by_text("AD takes passwords only over LDAPS")).to_be_visible()
    expect(page.get_by_text("new OU Staff")).to_be_visible()
    expect(page.get_by_text("new entry for Rowan Directory (r.directory)")).to_be_visible()
    check_page(page, "Active Directory changes, previewed")
    user_dn = f"CN=r.directory,OU=Staff,{people_dn}"
    assert _entry(conn, user_dn) is None  # a dry run

    page.get_by_role("button", name="Apply these").click()
    expect(page.get_by_text("changes applied to the directory.")).to_be_visible()
    check_page(page, "Active Directory changes, applied")
    entry = _entry(conn, user_dn)
    assert entry is not None and entry["userPrincipalName"] == "r.directory@hollybank.sch.uk"
    assert entry["userAccountControl"] == 514  # disabled until its password is set in AD
    staff = _entry(conn, f"CN=staff,OU=Groups,{people_dn}") or {}
    assert user_dn.lower() in {m.lower() for m in staff.get("member", [])}
