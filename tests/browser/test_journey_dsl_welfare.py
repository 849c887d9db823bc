"""Journey: the DSL takes a pupil's self-harm alert down the welfare route, not discipline.

A monitoring alert arrives ("a Year 7 pupil searched for how to cut myself"). The DSL opens
it from the triage queue, sees that it proposes a welfare concern, raises one, records the
assessment, speaking to the pupil and informing the parents, a referral to early help, ticks
the playbook and closes the concern, then downloads the chronology. No incident and no
sanction is recorded. The pupil's block page for self-harm, on a 390 px phone, shows help and
no unblock request.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import alerts_arrive, sign_in, tick_every_step
from tests.browser.server import LiveWarden

TERM = "how to cut myself without anyone knowing"


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    """The journey's own pupil, and the alert as ingestion would hand it over."""
    arrived = alerts_arrive(
        warden_server,
        school="northgate",
        people=[
            {"person_type": "pupil", "first_name": "Kit", "last_name": "Welfare-Journey",
             "mis_id": "JW-PUPIL", "year_group": 7, "form": "7W1"},
        ],
        alerts=[
            {"person": 0, "username": "kit.w", "host": "www.google.com",
             "url": "https://www.google.com/search?q=how+to+cut+myself",
             "search_engine": "google", "search_term": TERM, "phrase": TERM,
             "matched_text": TERM, "category": "self-harm", "severity": 5},
        ],
    )  # fmt: skip
    return {"pupil": arrived["people"][0], "violation": arrived["alerts"][0]}


def test_the_dsl_raises_refers_and_closes_a_welfare_concern(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    today = dt.date.today().isoformat()
    page = new_page()
    sign_in(page, warden_server, "dsl.northgate")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage queue").click()
    check_page(page, "triage queue", phone=False)
    page.get_by_role("link", name=TERM).click()
    check_page(page, "the alert", phone=False)
    expect(page.get_by_text("(safeguarding, not discipline)")).to_be_visible()
    page.get_by_role("button", name="Raise a welfare concern").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Welfare concern")
    expect(page.locator(".message.success")).to_contain_text("Nothing was suspended")
    check_page(page, "new welfare concern", phone=False)
    expect(page.get_by_role("main")).to_contain_text(TERM)
    concern = warden_server.query_one(
        "SELECT id, number FROM safeguarding_welfareconcern WHERE person_id = ?", made["pupil"]
    )

    page.get_by_label("Your assessment").fill(
        "Searched after a video shared in a group chat; low mood, no plan to act."
    )
    page.get_by_label("Review on").fill(today)
    page.get_by_role("button", name="Save assessment").click()
    expect(page.locator(".message.success")).to_contain_text("Assessment recorded")
    check_page(page, "assessment saved", phone=False)

    page.get_by_text("Record what was done").click()
    page.get_by_label("Spoke to the pupil on").fill(today)
    page.get_by_label("What the pupil said").fill("Said a friend had shown them a video.")
    page.get_by_label("Parents or carers informed").check()
    page.get_by_label("Informed on").fill(today)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("Informed on")
    check_page(page, "actions recorded", phone=False)

    page.get_by_text("Record a referral").click()
    page.get_by_label("Referred to").select_option(label="Early help")
    page.get_by_label("Date of the referral").fill(today)
    page.get_by_label("Their reference").fill("EH-JOURNEY-7")
    page.get_by_role("button", name="Record referral").click()
    expect(page.locator(".message.success")).to_contain_text("Referral to Early help recorded")
    check_page(page, "referral recorded", phone=False)

    tick_every_step(page)
    check_page(page, "playbook done", phone=False)
    playbook = page.locator("section").filter(has=page.get_by_role("heading", name="Playbook"))
    expect(playbook).not_to_contain_text(re.compile("disciplin", re.I))

    page.locator("#id_outcome").select_option(label="Early help in place")
    page.get_by_label("Outcome summary").fill("Early help plan agreed with the family.")
    page.get_by_role("button", name="Close with this outcome").click()
    expect(page.locator(".message.success")).to_contain_text("is closed")
    check_page(page, "concern closed", phone=False)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Chronology as PDF")).click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    stored = warden_server.query_one(
        "SELECT status, outcome FROM safeguarding_welfareconcern WHERE id = ?", concern["id"]
    )
    assert stored == {"status": "closed", "outcome": "early_help"}
    referral = warden_server.query_one(
        "SELECT agency, reference FROM safeguarding_referral WHERE concern_id = ?", concern["id"]
    )
    assert referral == {"agency": "early_help", "reference": "EH-JOURNEY-7"}
    triage = warden_server.query_one(
        "SELECT state FROM incidents_triage WHERE violation_id = ?", made["violation"]
    )
    assert triage["state"] == "welfare"
    assert not warden_server.query(
        "SELECT id FROM incidents_involvement WHERE person_id = ?", made["pupil"]
    )
    assert not warden_server.query(
        "SELECT id FROM incidents_sanction WHERE person_id = ?", made["pupil"]
    )


def test_a_pupil_blocked_on_self_harm_sees_help_on_a_phone(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    phone = new_page(phone=True)
    phone.goto("/filtering/blocked/northgate/?url=https://example.org/x&category=self-harm")
    check_page(phone, "block page, self-harm")
    main = phone.get_by_role("main")
    for words in ("Childline", "0800 1111", "Samaritans", "116 123", "85258", "trusted adult"):
        expect(main).to_contain_text(words)
    expect(phone.get_by_role("button", name="Send the request")).to_have_count(0)
