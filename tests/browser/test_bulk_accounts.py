"""Journey: accounts in bulk, as a school works them.

Three new teachers each have a request for the homework planner. The headteacher ticks
"All on this page" on the accounts list, filtered to those requests, and approves the three
at once. The ICT manager ticks the three approved accounts and activates them: two become
active, and the one whose holder has not signed the staff agreement is refused in the rule's
words with the next step, whose link opens the person's page where it is taken. The ICT
manager then finds a leaving teacher on the leavers' board by name, disables all of their
accounts in one action after reading what will happen, confirms each done by hand on its
system, and completes the leaver. The suspension list opens with its search.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

SYSTEM = "Homework Planner"
WIKI = "Staff Wiki"
UNSIGNED = "Joiner Planner-Three"
LEAVER = "Leaving Planner-Teacher"

# Everything here is the journey's own (systems of its own, new people): the accounts list
# filtered to the planner shows no one else's accounts.
SETUP = """
import json

from django.db import transaction
from django.utils import timezone

from warden.accounts.services import (
    account_activate, account_approve, account_request, system_create,
)
from warden.agreements.models import AgreementVersion, VersionStatus
from warden.agreements.rules import audience_for
from warden.agreements.services import signature_record
from warden.core.models import School
from warden.people.services import person_create, person_set_leaving


def sign(person):
    version = AgreementVersion.objects.get(
        school=school, status=VersionStatus.PUBLISHED, agreement__audience=audience_for(person))
    signature_record(actor=None, person=person, version=version,
                     typed_name=person.full_name, confirmed=True, method="desk")


with transaction.atomic():
    school = School.objects.get(slug="hollybank")
    planner, wiki = [
        system_create(actor=None, school=school, fields={
            "name": name, "kind": "other", "allowed_person_types": ["teaching_staff"]})
        for name in ("%(system)s", "%(wiki)s")
    ]
    newcomers = [
        person_create(actor=None, school=school, fields={
            "person_type": "teaching_staff", "first_name": "Joiner",
            "last_name": "Planner-" + n, "mis_id": "BULK-" + n.upper(),
            "email": "joiner." + n.lower() + "@example.org"})
        for n in ("One", "Two", "Three")
    ]
    for person in newcomers:
        account_request(actor=None, person=person, system=planner, reason="Joins in January")
    for person in newcomers[:2]:
        sign(person)

    leaver = person_create(actor=None, school=school, fields={
        "person_type": "teaching_staff", "first_name": "Leaving",
        "last_name": "Planner-Teacher", "mis_id": "BULK-LEAVER"})
    sign(leaver)
    for system in (planner, wiki):
        account = account_request(actor=None, person=leaver, system=system, reason="Teacher")
        account_activate(actor=None, account=account_approve(actor=None, account=account))
    person_set_leaving(actor=None, person=leaver, leaving_date=timezone.localdate(),
                       reason="New post")
print(json.dumps({
    "system": planner.pk, "newcomers": [p.pk for p in newcomers], "leaver": leaver.pk}))
""".replace("%(system)s", SYSTEM).replace("%(wiki)s", WIKI)


# The planner accounts' states, in the order the people were made.
STATES_SQL = (
    "SELECT state FROM accounts_account WHERE system_id = ? AND person_id IN (?, ?, ?) "
    "ORDER BY person_id"
)


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def _planner_accounts(page: Page, state: str) -> None:
    """The accounts list, searched for the new teachers' accounts in ``state``."""
    _nav(page, "Accounts and requests")
    check_page(page, "accounts", phone=False)
    page.get_by_label("State").select_option(label=state)
    expect(page.locator(".htmx-request")).to_have_count(0)
    # The search finds the journey's own people by name (the filters keep the state).
    page.get_by_role("searchbox", name="Search").fill("Joiner Planner")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table").locator("caption")).to_have_text("3 accounts")
    expect(page.get_by_role("cell", name=re.compile("^Planner-"))).to_have_count(3)
    expect(page.locator("form.filters")).to_have_css("opacity", "1")
    check_page(page, f"accounts, {state.lower()} ones", phone=False)


def _open_and_search(page: Page, menu: str, words: str) -> None:
    """Open a list from the menu and search it by name."""
    _nav(page, menu)
    check_page(page, menu.lower(), phone=False)
    page.get_by_role("searchbox", name="Name").fill(words)
    page.get_by_role("button", name="Search").click()
    check_page(page, f"{menu.lower()}, searched by name", phone=False)


def test_requests_are_approved_and_activated_in_bulk_and_a_leaver_is_cut_off_at_once(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    # The headteacher approves the three requests with "All on this page".
    head = new_page()
    sign_in(head, warden_server, "head.hollybank")
    _planner_accounts(head, "Requested")
    head.get_by_label("All on this page").check()
    head.get_by_role("button", name="Approve the chosen").click()
    expect(head.locator(".message.success")).to_have_text("3 accounts approved.")
    check_page(head, "three accounts approved", phone=False)

    # The ICT manager ticks the three and activates them: one refusal, with its next step.
    ict = new_page()
    sign_in(ict, warden_server, "ictmanager.hollybank")
    _planner_accounts(ict, "Approved")
    boxes = ict.get_by_role("checkbox", name=re.compile(f"on {SYSTEM}$"))
    expect(boxes).to_have_count(3)
    for box in boxes.all():
        box.check()
    ict.get_by_role("button", name="Activate the chosen").click()
    expect(ict.locator(".message.success")).to_have_text("2 accounts activated.")
    expect(ict.locator(".message.info").first).to_contain_text(
        f"Activated: Joiner Planner-One on {SYSTEM}; Joiner Planner-Two on {SYSTEM}."
    )
    refusal = ict.locator(".message.error")
    expect(refusal).to_have_text(
        re.compile(
            f"^{SYSTEM}: {UNSIGNED} cannot activate: .+ not signed\\. Next step: Send the "
            f"signing link from their page, or record a paper signature there\\. {UNSIGNED}'s "
            "page$"
        )
    )
    check_page(ict, "two accounts activated, one refused with its next step", phone=False)
    states = warden_server.query(STATES_SQL, made["system"], *made["newcomers"])
    assert [s["state"] for s in states] == ["active", "active", "approved"]
    refusal.get_by_role("link", name=f"{UNSIGNED}'s page").click()
    expect(ict.get_by_role("heading", level=1)).to_contain_text(UNSIGNED)
    expect(ict.get_by_role("button", name="E-mail a signing link")).to_be_visible()
    check_page(ict, "the refused person's page, where the next step is taken", phone=False)

    # The leavers' board: found by name, every account disabled in one action.
    _open_and_search(ict, "Leavers", "Planner-Teacher")
    expect(ict.get_by_role("heading", level=1)).to_contain_text("(1)")
    leaver = ict.get_by_role("region", name=re.compile(LEAVER))
    leaver.get_by_role("link", name=f"Disable all of {LEAVER}'s accounts").click()
    check_page(ict, "disable all of a leaver's accounts: what will happen", phone=False)
    expect(ict.get_by_role("main")).to_contain_text(
        f"a task to disable it by hand on {WIKI} stays on the leavers' board"
    )
    ict.get_by_role("button", name="Disable 2 accounts").click()
    expect(ict.locator(".message.success")).to_have_text(f"2 accounts of {LEAVER} disabled.")
    check_page(ict, "a leaver's accounts disabled", phone=False)
    # Back on the board, still searched: each account is to disable by hand, then done.
    expect(ict.get_by_role("searchbox", name="Name")).to_have_value("Planner-Teacher")
    leaver = ict.get_by_role("region", name=re.compile(LEAVER))
    expect(leaver.get_by_role("button", name="Done by hand")).to_have_count(2)
    for _ in range(2):
        leaver.get_by_role("button", name="Done by hand").first.click()
        expect(ict.locator(".message.success")).to_contain_text("is recorded as disabled on")
        check_page(ict, "an account confirmed disabled by hand", phone=False)
    leaver.get_by_role("button", name="Complete leaver").click()
    expect(ict.locator(".message.success")).to_contain_text("is completed as a leaver")
    check_page(ict, "leaver completed", phone=False)
    accounts = warden_server.query(
        "SELECT state FROM accounts_account WHERE person_id = ?", made["leaver"]
    )
    assert [a["state"] for a in accounts] == ["disabled", "disabled"]
    tasks = warden_server.query(
        "SELECT t.step, t.done_at FROM accounts_handsuspension t JOIN accounts_account a "
        "ON a.id = t.account_id WHERE a.person_id = ?",
        made["leaver"],
    )
    assert [t["step"] for t in tasks] == ["disable", "disable"]
    assert all(t["done_at"] for t in tasks)

    # The suspension list pages and searches the same way.
    _open_and_search(ict, "Suspension list", "Planner")
    expect(ict.get_by_role("heading", level=1)).to_contain_text("with live accounts")
