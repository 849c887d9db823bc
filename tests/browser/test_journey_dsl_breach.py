"""Journey: the DSL handles a breach, from the first sign-in to the closed incident.

Hollybank's DSL signs in for the first time and turns on two-factor sign-in: the key typed
from the set-up page into an authenticator app (mistyped once first). A monitoring alert is
waiting: a Year 6 pupil searched for pornography. The DSL opens it from the triage queue and
escalates it as a breach, choosing the kind of incident; on the new incident they add the
classmate who was with the pupil as a witness, record the severity and a week's withdrawal
of internet access, try to close too early (what they typed stays, every open step is named
beside the form), tick the playbook and close. The triage queue's "State: All" then shows
every state, the escalated alert and an archived one among them.

``dsl.hollybank`` is this journey's: no other journey signs in as them, so their first
sign-in here is their enrolment.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import alerts_arrive, choose_person, tick_every_step, totp
from tests.browser.server import LiveWarden

DSL = "dsl.hollybank"
TERM = "free xxx videos no sign up"
ARCHIVED = "cool maths games unblocked"
TITLE = "Pornography search in the ICT suite"
SUMMARY = "The pupil searched deliberately; the parents met the DSL."

# The archived alert was decided by the deputy DSL before the journey starts.
ARCHIVE = """
import json
from warden.core.models import User
from warden.incidents.models import TriageState
from warden.incidents.services.triage import triage_decide
from warden.monitoring.models import Violation

triage_decide(actor=User.objects.get(username="deputydsl.hollybank"),
              violations=[Violation.objects.get(pk=%d)], state=TriageState.NO_ACTION,
              reason="A maths site, looked at once.")
print(json.dumps(None))
"""


def _search(term: str, category: str, severity: int) -> dict[str, Any]:
    url = "https://www.bing.com/search?q=" + term.replace(" ", "+")
    return {
        "person": 0, "username": "robin.b", "host": "www.bing.com", "url": url,
        "search_engine": "bing", "search_term": term, "phrase": term, "matched_text": term,
        "category": category, "severity": severity,
    }  # fmt: skip


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    """The journey's own pupils and alerts; one older alert is already archived, so
    "State: All" has more than one state to show."""
    pupil = {"person_type": "pupil", "year_group": 6, "form": "6B"}
    arrived = alerts_arrive(
        warden_server,
        school="hollybank",
        people=[
            pupil | {"first_name": "Robin", "last_name": "Breach-Journey", "mis_id": "JB-1"},
            pupil | {"first_name": "Sam", "last_name": "Witness-Journey", "mis_id": "JB-2"},
        ],
        alerts=[_search(TERM, "pornography", 4), _search(ARCHIVED, "games", 2)],
    )
    breach, archived = arrived["alerts"]
    warden_server.python(ARCHIVE % archived)
    dsl = warden_server.query_one("SELECT id FROM core_user WHERE username = ?", DSL)
    pupil_pk, friend_pk = arrived["people"]
    return {"pupil": pupil_pk, "friend": friend_pk, "breach": breach, "dsl": dsl["id"]}


def enrol_authenticator(page: Page, server: LiveWarden) -> None:
    """First sign-in of a DSL: set up the authenticator app, as a person would."""
    page.goto("/sign-in/")
    check_page(page, "sign-in")
    page.get_by_label("Username").fill(DSL)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    check_page(page, "two-factor set-up")
    expect(page.get_by_role("main")).to_contain_text("safeguarding or personal records")
    # The key as the app would read it from the QR code, or as a person types it in.
    secret = page.locator("code.secret").inner_text().strip()
    code = totp(secret)

    # A slip of the finger first: refused, and the right code still works afterwards.
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("alert").filter(has_text="did not match")).to_be_visible()
    check_page(page, "two-factor set-up, wrong code")

    code = totp(secret)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    check_page(page, "backup codes")
    expect(page.locator("ul.codes code")).to_have_count(8)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_load_state("load")
    assert "/sign-in/" not in page.url
    # Later sign-ins (helpers.sign_in) use the same key, never the same code.
    server.totp_secrets[DSL] = secret
    server.totp_used[DSL] = code


def test_the_dsl_escalates_an_alert_and_handles_the_breach(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    today = dt.date.today()
    back_on = today + dt.timedelta(days=7)
    page = new_page()
    enrol_authenticator(page, warden_server)
    check_page(page, "dashboard", phone=False)
    device = warden_server.query_one(
        "SELECT confirmed FROM otp_totp_totpdevice WHERE user_id = ?", made["dsl"]
    )
    assert device["confirmed"] == 1
    enrolled = warden_server.query(
        "SELECT id FROM core_auditentry WHERE actor_id = ? AND action = ?",
        made["dsl"],
        "user.two_factor_enrolled",
    )
    assert len(enrolled) == 1

    # --- the triage queue and the alert ---
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage queue").click()
    check_page(page, "triage queue", phone=False)
    results = page.locator("#results")
    expect(results.get_by_role("link", name=TERM)).to_be_visible()
    expect(results.get_by_role("link", name=ARCHIVED)).to_have_count(0)
    page.get_by_role("link", name=TERM).click()
    check_page(page, "the alert", phone=False)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TERM)
    expect(page.get_by_text("Breach (misuse of ICT)")).to_be_visible()

    escalate = page.locator("form").filter(has=page.get_by_role("button", name="Apply"))
    escalate.get_by_label("Action").select_option(label="Breach (misuse): open a new incident")
    escalate.get_by_label("Kind of new incident").select_option(
        label="Offensive or inappropriate material"
    )
    escalate.get_by_label("Title of new incident").fill(TITLE)
    escalate.get_by_label("Reason").fill("Deliberate search during a lesson.")
    escalate.get_by_role("button", name="Apply").click()

    # --- the incident ---
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator(".message.success")).to_contain_text("opened")
    check_page(page, "new incident", phone=False)
    incident = warden_server.query_one(
        "SELECT i.id, i.kind FROM incidents_incident i"
        " JOIN incidents_incident_violations iv ON iv.incident_id = i.id"
        " WHERE iv.violation_id = ?",
        made["breach"],
    )
    assert incident["kind"] == "offensive_material"
    people = page.locator("section").filter(has=page.get_by_role("heading", name="People involved"))
    expect(people).to_contain_text("Breach-Journey")

    choose_person(people, "Person", "witness-jou", "Sam Witness-Journey")
    people.get_by_label("Part").select_option(label="Witness")
    people.get_by_role("button", name="Add person").click()
    expect(page.locator(".message.success")).to_contain_text("added")
    check_page(page, "witness added", phone=False)
    expect(people).to_contain_text("Witness-Journey")

    severity = page.locator("section").filter(
        has=page.get_by_role("heading", name="Severity and escalation")
    )
    # Nothing is chosen for the DSL: an unassessed incident does not read as "minor".
    expect(severity.get_by_label("Severity")).to_have_value("")
    severity.get_by_label("Severity").select_option(label="Moderate")
    severity.get_by_role("button", name="Record severity").click()
    expect(page.locator(".message.success")).to_contain_text("Severity recorded")
    check_page(page, "severity recorded", phone=False)
    expect(page.get_by_text("Moderate breach")).to_be_visible()

    sanctions = page.locator("section").filter(has=page.get_by_role("heading", name="Sanctions"))
    sanctions.get_by_text("Record a sanction").click()
    sanctions.get_by_label("Person").select_option(label="Breach-Journey, Robin (6B)")
    sanctions.get_by_label("Sanction").select_option(label="Withdrawal of internet access")
    expect(sanctions.get_by_label("From")).to_have_value(today.isoformat())
    sanctions.get_by_label("Access back on").fill(back_on.isoformat())
    sanctions.get_by_label("Notes (optional)").fill("Agreed with the parents.")
    sanctions.get_by_role("button", name="Record sanction").click()
    expect(page.locator(".message.success")).to_contain_text("Sanction recorded")
    check_page(page, "sanction recorded", phone=False)
    expect(sanctions).to_contain_text("Withdrawal of internet access")
    expect(sanctions).to_contain_text(f"to {back_on:%d/%m/%Y}")

    # --- closing too early keeps the summary and names every open step beside the form ---
    close = page.locator("section").filter(
        has=page.get_by_role("heading", name="Close the incident")
    )
    open_steps = len(
        warden_server.query(
            "SELECT id FROM incidents_playbookstep WHERE incident_id = ? AND mandatory = 1"
            " AND done_at IS NULL",
            incident["id"],
        )
    )
    assert open_steps >= 2, "the serious-violation playbook should have applied its steps"
    close.get_by_role("combobox", name="Outcome").select_option(label="Breach upheld")
    close.get_by_label("Outcome summary").fill(SUMMARY)
    close.get_by_role("button", name="Close").click()
    check_page(page, "close refused", phone=False, expected_status=400)
    expect(close.get_by_label("Outcome summary")).to_have_value(SUMMARY)
    # The refusal is in view beside the form, naming every open step.
    expect(close.get_by_role("alert")).to_be_in_viewport()
    expect(close.get_by_role("listitem")).to_have_count(open_steps)

    # --- the playbook ---
    tick_every_step(page)
    check_page(page, "playbook done", phone=False)

    close.get_by_role("combobox", name="Outcome").select_option(label="Breach upheld")
    close.get_by_label("Outcome summary").fill(SUMMARY)
    close.get_by_role("button", name="Close").click()
    expect(page.locator(".message.success")).to_contain_text("is closed")
    check_page(page, "incident closed", phone=False)
    expect(page.get_by_role("main")).to_contain_text(SUMMARY)

    stored = warden_server.query_one(
        "SELECT status, severity, outcome, outcome_notes FROM incidents_incident WHERE id = ?",
        incident["id"],
    )
    assert stored == {
        "status": "closed",
        "severity": "moderate",
        "outcome": "upheld",
        "outcome_notes": SUMMARY,
    }
    closed = warden_server.query(
        "SELECT actor_id FROM core_auditentry WHERE action = ? AND object_id = ?",
        "incident.closed",
        str(incident["id"]),
    )
    assert closed == [{"actor_id": made["dsl"]}]
    # The alert's pupil, the witness added, and the DSL's own record as the one reporting.
    parts = warden_server.query(
        "SELECT i.part, i.person_id, p.user_id FROM incidents_involvement i"
        " JOIN people_person p ON p.id = i.person_id WHERE i.incident_id = ? ORDER BY i.part",
        incident["id"],
    )
    assert [(r["part"], r["person_id"]) for r in parts if r["part"] != "reporter"] == [
        ("subject", made["pupil"]),
        ("witness", made["friend"]),
    ]
    assert [r["user_id"] for r in parts if r["part"] == "reporter"] == [made["dsl"]]
    sanction = warden_server.query_one(
        "SELECT person_id, kind, starts_on, ends_on, state, filter_assignment_id"
        " FROM incidents_sanction WHERE incident_id = ?",
        incident["id"],
    )
    assert sanction["person_id"] == made["pupil"]
    assert sanction["kind"] == "withdraw_internet"
    assert (sanction["starts_on"], sanction["ends_on"]) == (
        today.isoformat(),
        back_on.isoformat(),
    )
    assert sanction["state"] == "active"
    assert sanction["filter_assignment_id"] is not None
    steps = warden_server.query(
        "SELECT done_at FROM incidents_playbookstep WHERE incident_id = ? AND mandatory = 1",
        incident["id"],
    )
    assert steps and all(s["done_at"] for s in steps)
    triage = warden_server.query_one(
        "SELECT state, incident_id FROM incidents_triage WHERE violation_id = ?", made["breach"]
    )
    assert triage == {"state": "escalated", "incident_id": incident["id"]}

    # --- the queue: "State: All" shows every state, the escalated alert among them ---
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage queue").click()
    check_page(page, "triage queue, to triage", phone=False)
    expect(results.get_by_role("link", name=TERM)).to_have_count(0)
    page.get_by_label("State").select_option(label="All")
    escalated = results.get_by_role("row").filter(has=page.get_by_role("link", name=TERM))
    expect(escalated).to_contain_text("Escalated")
    archived = results.get_by_role("row").filter(has=page.get_by_role("link", name=ARCHIVED))
    expect(archived).to_contain_text("No action (archived)")
    expect(page).to_have_url(re.compile(r"[?&]state=(&|$)"))
    check_page(page, "triage queue, all states", phone=False)
    page.reload()
    expect(page.get_by_label("State")).to_have_value("")
    expect(results.get_by_role("link", name=TERM)).to_be_visible()
    expect(results.get_by_role("link", name=ARCHIVED)).to_be_visible()
    check_page(page, "triage queue, all states reloaded", phone=False)

    # Categories are offered by name.
    page.get_by_label("Category").select_option(label="Pornography")
    expect(results.get_by_role("link", name=ARCHIVED)).to_have_count(0)
    expect(results.get_by_role("link", name=TERM)).to_be_visible()
    expect(page).to_have_url(re.compile(r"category=pornography"))
    check_page(page, "triage queue, pornography in all states", phone=False)
