"""Journey: the headteacher and the ICT manager bring accounts, leavers and unblocking to an end.

Three new teachers join; each has an account requested on the school's reading journal. The
headteacher ticks the three on the accounts list and approves them at once. The ICT manager
activates them the same way: the agreement gate refuses the one who has not signed, in its
own words, and the other two become active. The ICT manager then works the leavers' board for
a Year 6 pupil who leaves today (disables the account, checks the laptop in) until the pupil
is completed, and approves a teacher's request to unblock a games site for key stage 2. The
filter's own decision function, run on the snapshot the server published, now allows the
site for that group: the change is in force, not only recorded.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden
from warden.engine.policy import Action, PolicyEngine
from warden.engine.snapshot import read_snapshot

SITE = "poki.com"
SYSTEM = "Reading Journal"
UNSIGNED = "Cas Intake-Three"

# Everything here is the journey's own (a system of its own, new people): the accounts list
# filtered to that system shows no one else's accounts.
SETUP = """
import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from warden.accounts.services import account_approve, account_request, system_create
from warden.agreements.models import AgreementVersion, VersionStatus
from warden.agreements.rules import audience_for
from warden.agreements.services import signature_record
from warden.core.models import School
from warden.equipment.models import Asset
from warden.equipment.services.loans import Acceptance, loan_check_out
from warden.monitoring.models import FilterGroup
from warden.monitoring.services.filtering import request_create
from warden.people.services import person_create, person_set_leaving

with transaction.atomic():
    school = School.objects.get(slug="hollybank")
    system = system_create(actor=None, school=school, fields={
        "name": "%(system)s", "kind": "other",
        "allowed_person_types": ["teaching_staff", "pupil"]})
    newcomers = [
        person_create(actor=None, school=school, fields={
            "person_type": "teaching_staff", "first_name": first, "last_name": last,
            "mis_id": "JI-" + last.upper()})
        for first, last in [("Ada", "Intake-One"), ("Ben", "Intake-Two"), ("Cas", "Intake-Three")]
    ]
    for person in newcomers:
        account_request(actor=None, person=person, system=system, reason="Joins in January")
    for person in newcomers[:2]:
        version = AgreementVersion.objects.get(
            school=school, status=VersionStatus.PUBLISHED,
            agreement__audience=audience_for(person))
        signature_record(actor=None, person=person, version=version,
                         typed_name=person.full_name, confirmed=True, method="desk")

    leaver = person_create(actor=None, school=school, fields={
        "person_type": "pupil", "first_name": "Lee", "last_name": "Leaver-Journey",
        "mis_id": "JI-LEAVER", "year_group": 6, "form": "6H"})
    account = account_request(actor=None, person=leaver, system=system, reason="Year 6")
    account_approve(actor=None, account=account)
    asset = Asset.objects.filter(
        school=school, state="in_stock", asset_type="laptop", encrypted=True
    ).order_by("pk").first()
    loan_check_out(actor=None, asset=asset, person=leaver, due_on=timezone.localdate(),
                   purpose="Reading at home",
                   acceptance=Acceptance(typed_name="Lee Leaver-Journey", confirmed=True))
    person_set_leaving(actor=None, person=leaver, leaving_date=timezone.localdate(),
                       reason="Moving away")

    unblock = request_create(
        actor=get_user_model().objects.get(username="teacher.hollybank"), school=school,
        site="%(site)s", url="https://%(site)s/",
        reason="A maths race game for Year 5 golden time on Friday.",
        wanted_until=timezone.now() + dt.timedelta(days=2),
        group=FilterGroup.objects.get(school=school, slug="ks2"))
print(json.dumps({
    "system": system.pk, "newcomers": [p.pk for p in newcomers], "leaver": leaver.pk,
    "asset": str(asset), "request": unblock.pk}))
""".replace("%(system)s", SYSTEM).replace("%(site)s", SITE)


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def _choose_and_press(page: Page, state: str, button: str) -> None:
    """Tick the three new teachers' accounts on the accounts list and press ``button``."""
    _nav(page, "Accounts and requests")
    check_page(page, "accounts", phone=False)
    page.get_by_label("State").select_option(label=state)
    page.get_by_label("System").select_option(label=SYSTEM)
    page.get_by_label("Type").select_option(label="Teaching staff")
    # Each choice refreshes the results in place; the filters are dimmed while one loads.
    expect(page.get_by_role("table").locator("caption")).to_have_text("3 accounts")
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.wait_for_function(
        "getComputedStyle(document.querySelector('form.filters')).opacity === '1'"
    )
    check_page(page, f"accounts, {state.lower()} ones", phone=False)
    boxes = page.get_by_role("checkbox", name=re.compile(f"on {SYSTEM}$"))
    expect(boxes).to_have_count(3)
    for box in boxes.all():
        box.check()
    page.get_by_role("button", name=button).click()


def _ks2_decision(server: LiveWarden, url: str) -> Action:
    """What the filter decides for a key stage 2 computer, from the published snapshot."""
    path = server.var_dir / "filtering" / "hollybank" / "policy.wps"
    snapshot = read_snapshot(path)
    header = path.read_bytes().split(b"\n", 2)[1]
    network = next(n for n in json.loads(header)["networks"] if n["group"] == "ks2")
    client_ip = network["cidr"].split("/")[0].rsplit(".", 1)[0] + ".7"
    decision = PolicyEngine.for_snapshot(snapshot).decide(url, client_ip=client_ip)
    assert decision.group == "ks2", decision
    return decision.action


def test_accounts_leavers_and_an_unblock_are_worked_to_the_end(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    accounts_sql = (
        "SELECT p.first_name || ' ' || p.last_name AS name, a.state FROM accounts_account a "
        "JOIN people_person p ON p.id = a.person_id WHERE a.system_id = ? AND a.person_id IN "
        "(?, ?, ?) ORDER BY p.id"
    )

    # The headteacher approves the three requests at once.
    head = new_page()
    sign_in(head, warden_server, "head.hollybank")
    _choose_and_press(head, "Requested", "Approve the chosen")
    expect(head.locator(".message.success")).to_have_text("3 accounts approved.")
    check_page(head, "three accounts approved", phone=False)
    states = warden_server.query(accounts_sql, made["system"], *made["newcomers"])
    assert [s["state"] for s in states] == ["approved"] * 3

    # The ICT manager activates them: the one who has not signed is refused, in words.
    ict = new_page()
    sign_in(ict, warden_server, "ictmanager.hollybank")
    _choose_and_press(ict, "Approved", "Activate the chosen")
    expect(ict.locator(".message.success")).to_have_text("2 accounts activated.")
    expect(ict.locator(".message.error")).to_have_text(
        re.compile(f"^{SYSTEM}: {UNSIGNED} cannot activate: .+ not signed")
    )
    check_page(ict, "two accounts activated, one refused", phone=False)
    states = warden_server.query(accounts_sql, made["system"], *made["newcomers"])
    assert [(s["name"], s["state"]) for s in states] == [
        ("Ada Intake-One", "active"),
        ("Ben Intake-Two", "active"),
        (UNSIGNED, "approved"),
    ]

    # The leavers' board: every item of today's leaver, then the leaver, is done.
    _nav(ict, "Leavers")
    check_page(ict, "leavers", phone=False)
    leaver = ict.get_by_role("region", name=re.compile("Leaver-Journey"))
    leaver.get_by_role("row").filter(has_text=SYSTEM).get_by_role("button", name="Disable").click()
    expect(ict.locator(".message.success")).to_contain_text("disabled")
    check_page(ict, "leaver's account disabled", phone=False)
    leaver.get_by_role("row").filter(has_text=made["asset"]).get_by_role(
        "button", name="Check in"
    ).click()
    expect(ict.locator(".message.success")).to_contain_text("checked in")
    check_page(ict, "leaver's laptop checked in", phone=False)
    expect(leaver.get_by_role("button", name="Disable")).to_have_count(0)
    expect(leaver.get_by_role("button", name="Check in")).to_have_count(0)
    leaver.get_by_role("button", name="Complete leaver").click()
    expect(ict.locator(".message.success")).to_contain_text("is completed as a leaver")
    check_page(ict, "leaver completed", phone=False)
    expect(ict.get_by_role("region", name=re.compile("Leaver-Journey"))).to_have_count(0)
    ict.get_by_role("link", name="Show completed leavers").click()
    check_page(ict, "leavers, done ones shown", phone=False)
    done = ict.get_by_role("region", name=re.compile("Leaver-Journey"))
    expect(done).to_contain_text(re.compile(r"Completed \d\d/\d\d/\d{4} \d\d:\d\d by "))
    account = warden_server.query_one(
        "SELECT state FROM accounts_account WHERE person_id = ?", made["leaver"]
    )
    assert account["state"] == "disabled"
    loan = warden_server.query_one(
        "SELECT state FROM equipment_loan WHERE person_id = ?", made["leaver"]
    )
    assert loan["state"] == "returned"
    assert warden_server.query(
        "SELECT id FROM accounts_leavercompletion WHERE person_id = ?", made["leaver"]
    )

    # The teacher's unblock request: blocked for key stage 2 until the ICT manager approves.
    assert _ks2_decision(warden_server, f"https://{SITE}/") == Action.BLOCK
    _nav(ict, "Unblock requests")
    check_page(ict, "unblock requests", phone=False)
    ict.get_by_role("link", name=SITE).click()
    check_page(ict, "unblock request", phone=False)
    expect(ict.get_by_role("main")).to_contain_text("Key stage 2")
    ict.get_by_role("button", name="Approve and unblock").click()
    expect(ict.locator(".message.success")).to_contain_text(f"Approved: {SITE}")
    check_page(ict, "unblock approved", phone=False)
    ict.get_by_role("link", name="Policy in force").click()
    check_page(ict, "policy in force", phone=False)
    expect(ict.get_by_role("main")).to_contain_text(f"exception for {SITE}")
    stored = warden_server.query_one(
        "SELECT status FROM monitoring_unblockrequest WHERE id = ?", made["request"]
    )
    assert stored["status"] == "approved"
    assert _ks2_decision(warden_server, f"https://{SITE}/") == Action.ALLOW
