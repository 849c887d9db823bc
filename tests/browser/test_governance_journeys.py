"""Journeys through governance: the headteacher keeps the policy register (a version
uploaded and linked to the staff agreement, a review brought forward) and governors see the
overdue review on their home page without a name; the office records an induction for a new
member of staff the training matrix flags; the DSL starts, fills and prints the annual
filtering and monitoring review; the headteacher sets and prints the communications matrix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import choose_person, sign_in
from tests.browser.server import LiveWarden

# A new member of staff of the journey's own, joined 30 days ago, and a policy whose review
# is overdue: made through the services, as the demo would.
SETUP = """
import datetime as dt, json
from django.utils import timezone
from warden.core.models import School
from warden.governance.models import Policy
from warden.governance.services import policies
from warden.people.services import person_create

school = School.objects.get(slug="northgate")
today = timezone.localdate()
person = person_create(actor=None, school=school, fields={
    "person_type": "teaching_staff", "first_name": "Jordan", "last_name": "Inductee-Journey",
    "job_title": "Teacher of Science", "joining_date": today - dt.timedelta(days=30)})
policy = policies.policy_create(
    actor=None, school=school, kind="other", title="Remote learning policy (journey)")
policies.version_create(
    actor=None, policy=policy, label="2024", text="Lessons online follow the AUP.",
    approved_on=today - dt.timedelta(days=500), minute_reference="FGB journey 1")
print(json.dumps({"person": person.pk, "policy": policy.pk}))
"""


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def _nav(page: Page, name: str) -> None:
    menu = page.get_by_role("navigation", name="Main")
    link = menu.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu.locator("summary", has_text="Governance").click()
    link.click()
    page.wait_for_load_state("load")


def test_the_policy_register_is_kept_and_governors_see_the_overdue_review(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any], tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, warden_server, "head.northgate")
    check_page(page, "headteacher's home", phone=False)
    expect(page.get_by_role("heading", name="Policy reviews overdue")).to_be_visible()

    _nav(page, "Policy register")
    check_page(page, "policy register", phone=False)
    page.get_by_role("link", name="Remote learning policy (journey)").click()
    check_page(page, "policy page", phone=False)
    expect(page.get_by_text("Review overdue")).to_be_visible()

    document = tmp_path / "remote-learning.pdf"
    document.write_bytes(b"%PDF-1.4\n% remote learning policy\n")
    page.get_by_label("Label").fill("2026")
    page.get_by_label("Policy document").set_input_files(str(document))
    page.get_by_label("Approved on").fill(
        warden_server.python(
            "import json; from django.utils import timezone; "
            "print(json.dumps(timezone.localdate().isoformat()))"
        )
    )
    page.get_by_label("Minute reference").fill("FGB journey 2 item 5")
    page.get_by_role("button", name="Add the version").click()
    check_page(page, "policy version", phone=False)
    expect(page.get_by_role("link", name="remote-learning.pdf")).to_be_visible()
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Save the links").click()
    expect(page.locator(".message.success")).to_contain_text("put into practice")
    check_page(page, "policy version linked", phone=False)
    version = warden_server.query_one(
        "SELECT id, document_name, minute_reference FROM governance_policyversion "
        "WHERE policy_id = ? AND label = '2026'",
        made["policy"],
    )
    assert version["document_name"] == "remote-learning.pdf"
    links = warden_server.query(
        "SELECT * FROM governance_policyversion_agreement_versions WHERE policyversion_id = ?",
        version["id"],
    )
    assert len(links) == 1

    page.get_by_role("link", name=re.compile("Remote learning policy")).click()
    page.get_by_label("What brings it forward").select_option(label="A change of law or guidance")
    page.get_by_label("Reason").fill("New statutory guidance on remote education")
    page.get_by_role("button", name="Bring the review forward").click()
    expect(page.locator(".message.success")).to_contain_text("brought forward")
    check_page(page, "review brought forward", phone=False)

    governor = new_page()
    sign_in(governor, warden_server, "governor.northgate")
    check_page(governor, "governor's home")
    panel = governor.locator("section").filter(
        has=governor.get_by_role("heading", name="Policy reviews overdue")
    )
    expect(panel).to_contain_text("ICT security policy")
    _nav(governor, "Policy register")
    check_page(governor, "policy register as a governor")
    owner = warden_server.query_one(
        "SELECT first_name, last_name FROM core_user WHERE username = 'head.northgate'"
    )
    assert f"{owner['first_name']} {owner['last_name']}" not in governor.content()


def test_the_office_records_an_overdue_induction_from_the_training_matrix(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    _nav(page, "Training")
    check_page(page, "training matrix", phone=False)
    page.get_by_label("Only people with training overdue").check()
    page.get_by_label("Search").fill("Inductee-Journey")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="Inductee-Journey")
    expect(row).to_contain_text("Overdue since")
    expect(page.locator(".htmx-request")).to_have_count(0)
    check_page(page, "training matrix, overdue", phone=False)

    page.get_by_role("link", name="Record training").click()
    check_page(page, "record training", phone=False)
    page.get_by_label("Course").select_option(label="Induction: e-safety and ICT security")
    choose_person(page, "Who completed it", "inductee", "Jordan Inductee-Journey")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".message.success")).to_contain_text("1 completion")
    check_page(page, "training recorded", phone=False)
    done = warden_server.query(
        "SELECT c.method FROM governance_completion c JOIN governance_course k "
        "ON k.id = c.course_id WHERE c.person_id = ? AND k.induction = 1",
        made["person"],
    )
    assert [r["method"] for r in done] == ["hand"]


def test_the_dsl_fills_and_prints_the_annual_filtering_review(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    # Not dsl.hollybank: the DSL breach journey is that DSL's first sign-in.
    sign_in(page, warden_server, "dsl.northgate")
    _nav(page, "Annual filtering review")
    check_page(page, "annual review list", phone=False)
    # The demo started this school year's review; a new one starts only for a year without.
    page.get_by_role("link", name=re.compile("Filtering and monitoring review")).first.click()
    check_page(page, "annual review", phone=False)
    expect(page.get_by_role("heading", name=re.compile("Block lists"))).to_be_visible()
    expect(page.get_by_text("Changes logged in the year")).to_be_visible()
    page.get_by_label("Designated safeguarding lead").fill("The DSL")
    page.get_by_label("Monitoring alerts: judgement").select_option(label="Met")
    page.get_by_label("Monitoring alerts: evidence and notes").fill("Alerts seen each morning.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".message.success")).to_contain_text("Saved")
    page.get_by_role("textbox", name="Action").fill("Test each group with test sites each term")
    page.get_by_role("textbox", name="Who").fill("IT lead")
    page.get_by_label("By").fill("2027-03-31")
    page.get_by_role("button", name="Add the action").click()
    check_page(page, "annual review with an action", phone=False)
    page.get_by_role("link", name="Printable version").click()
    check_page(page, "annual review, printable", phone=False)
    expect(page.get_by_text("Alerts seen each morning.")).to_be_visible()
    expect(page.get_by_role("button", name="Print this review")).to_be_visible()


def test_the_headteacher_sets_and_prints_the_communications_matrix(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    page = new_page()
    sign_in(page, warden_server, "head.hollybank")
    _nav(page, "Communications matrix")
    check_page(page, "communications matrix")
    page.get_by_role("link", name="Change the matrix").click()
    check_page(page, "communications matrix settings", phone=False)
    page.get_by_label("Use of blogs: pupils").select_option(label="Not allowed")
    page.get_by_role("button", name="Save the matrix").click()
    expect(page.locator(".message.success")).to_contain_text("1 row")
    row = page.get_by_role("row").filter(has_text="Use of blogs")
    expect(row).to_contain_text("Not allowed")
    check_page(page, "communications matrix saved")
    expect(page.get_by_role("button", name="Print the matrix")).to_be_visible()


CONFIRMER = """
import datetime as dt, json
from django.utils import timezone
from warden.core.models import School
from warden.people.services import person_create

school = School.objects.get(slug="northgate")
person = person_create(actor=None, school=school, fields={
    "person_type": "teaching_staff", "first_name": "Sam", "last_name": "Confirmer-Journey",
    "email": "confirmer.journey@example.org",
    "joining_date": timezone.localdate() - dt.timedelta(days=5)})
print(json.dumps({"pk": person.pk, "today": timezone.localdate().isoformat()}))
"""


def test_a_new_member_of_staff_confirms_their_induction_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    person = warden_server.python(CONFIRMER)
    page = new_page()
    sign_in(page, warden_server, "office.northgate")
    _nav(page, "Training")
    page.get_by_role("link", name="Ask people to confirm").click()
    check_page(page, "ask people to confirm training", phone=False)
    page.get_by_label("Course").select_option(label="Induction: e-safety and ICT security")
    choose_person(page, "Who to ask", "confirmer", "Sam Confirmer-Journey")
    page.get_by_role("button", name="E-mail the links").click()
    expect(page.locator(".message.success")).to_contain_text("1 link(s) e-mailed")

    found = [
        m
        for m in warden_server.mails()
        if "confirmer.journey@example.org" in m.to and "Confirm your training" in m.subject
    ]
    assert found, "no training link was e-mailed"
    link = next(u for u in found[-1].links if "/governance/training/confirm/" in u)

    phone = new_page(phone=True)
    phone.goto(link)
    check_page(phone, "confirm training (phone)")
    expect(
        phone.get_by_role("heading", name="Induction: e-safety and ICT security")
    ).to_be_visible()
    phone.get_by_label("The day you completed it").fill(person["today"])
    phone.get_by_label("Type your full name to confirm").fill("Someone Else")
    phone.get_by_role("button", name="Confirm").click()
    check_page(phone, "confirm training, wrong name (phone)", expected_status=400)
    expect(phone.get_by_text("own name").first).to_be_visible()
    phone.get_by_label("Type your full name to confirm").fill("Sam Confirmer-Journey")
    phone.get_by_role("button", name="Confirm").click()
    check_page(phone, "training confirmed (phone)")
    expect(phone.get_by_role("status")).to_contain_text("completed on")
    done = warden_server.query(
        "SELECT c.method FROM governance_completion c JOIN governance_course k "
        "ON k.id = c.course_id WHERE c.person_id = ? AND k.induction = 1",
        person["pk"],
    )
    assert [r["method"] for r in done] == ["confirmed"]

    phone.goto(link)
    check_page(phone, "used training link (phone)", expected_status=410)
    expect(phone.get_by_role("alert")).to_contain_text("already been used")
