"""Journey: the deputy DSL archives three harmless alerts from the triage queue at once.

Four alerts arrive about a Year 8 pupil's searches for a history project. The deputy DSL
opens the triage queue, tries "All on this page" and clears it again, ticks the three that
need nothing more, chooses "no action" with one reason and archives them together. The
fourth stays in the queue, and the page says that escalating or raising a welfare concern is
never done in bulk.

``deputydsl.northgate`` is this journey's: no other journey signs in as them.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import alerts_arrive, sign_in
from tests.browser.server import LiveWarden

HARMLESS = [
    "trench warfare weapons ww1",
    "gas attacks somme history",
    "tank battle cambrai facts",
]
KEPT = "how to make a bomb shelter"
REASON = "History homework on the First World War; checked with the class teacher."


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    """The journey's own pupil and four alerts, as ingestion would hand them over."""
    arrived = alerts_arrive(
        warden_server,
        school="northgate",
        people=[
            {"person_type": "pupil", "first_name": "Ash", "last_name": "Bulk-Journey",
             "mis_id": "JB-PUPIL", "year_group": 8, "form": "8B"},
        ],
        alerts=[
            {"person": 0, "username": "ash.b", "host": "www.bing.com",
             "url": f"https://www.bing.com/search?q={term.replace(' ', '+')}",
             "search_engine": "bing", "search_term": term, "phrase": term,
             "matched_text": term, "category": "weapons", "severity": 2}
            for term in [*HARMLESS, KEPT]
        ],
    )  # fmt: skip
    return {"alerts": arrived["alerts"]}


def test_the_deputy_dsl_ticks_three_alerts_and_archives_them(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "deputydsl.northgate")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triage queue").click()
    check_page(page, "triage queue", phone=False)
    results = page.locator("#results")
    expect(results.get_by_role("link", name=KEPT)).to_be_visible()
    expect(
        page.get_by_text("never done in bulk: each child is looked at individually")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Raise a welfare concern")).to_have_count(0)

    every = page.get_by_label("All on this page")
    boxes = results.locator('input[name="violation"]')
    every.check()
    for n in range(boxes.count()):
        expect(boxes.nth(n)).to_be_checked()
    every.uncheck()
    for n in range(boxes.count()):
        expect(boxes.nth(n)).not_to_be_checked()

    for term in HARMLESS:
        box = page.get_by_role("checkbox", name=f"Choose {term}, Ash Bulk-Journey")
        box.focus()
        page.keyboard.press("Space")  # ticked from the keyboard
        expect(box).to_be_checked()
    chosen = page.locator("#chosen-violations")
    chosen.get_by_label("No action needed (archive)").check()
    chosen.get_by_label("Reason").fill(REASON)
    chosen.get_by_role("button", name="Archive the chosen").click()

    expect(page.locator(".message.success")).to_contain_text(
        "3 violations archived as no action (archived)."
    )
    check_page(page, "triage queue after archiving", phone=False)
    expect(results.get_by_role("link", name=KEPT)).to_be_visible()
    for term in HARMLESS:
        expect(results.get_by_role("link", name=term)).to_have_count(0)

    rows = warden_server.query(
        "SELECT violation_id, state, reason FROM incidents_triage"
        " WHERE violation_id IN (?, ?, ?, ?)",
        *made["alerts"],
    )
    states = {row["violation_id"]: (row["state"], row["reason"]) for row in rows}
    assert [states[pk] for pk in made["alerts"]] == [
        ("no_action", REASON),
        ("no_action", REASON),
        ("no_action", REASON),
        ("unviewed", ""),
    ]
    audited = warden_server.query(
        "SELECT object_id FROM core_auditentry WHERE action = ? AND object_id IN (?, ?, ?, ?)",
        "violation.triaged",
        *[str(pk) for pk in made["alerts"]],
    )
    assert sorted(int(row["object_id"]) for row in audited) == sorted(made["alerts"][:3])
