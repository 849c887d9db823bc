"""Journey: the DSL opens a self-harm alert and looks at what else the device did around it.

A proxy log from a classroom laptop is read by the real ``warden ingest`` command: a few
ordinary requests, a search for self-harm methods (the alert), a visit to a support site
after it, and requests long before and after, and from another laptop. The DSL opens the
alert and follows "What else this device did in the 10 minutes around this alert": the
requests from that laptop in the twenty minutes around it are listed in order, the alert
marked and blocked requests said to be blocked; a long address is shortened and opens in
full; nothing from outside the window or from the other laptop is shown. The page passes
axe and fits a 390 px phone screen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

LAPTOP, OTHER_LAPTOP = "10.44.0.17", "10.44.0.99"
SEARCH = "https://www.google.com/search?q=how+to+cut+myself+without+anyone+knowing"
LONG = (
    "https://www.childline.org.uk/info-advice/your-feelings/self-harm/"
    "ways-cope-self-harm/?utm_source=search&utm_medium=organic"
)


def _line(when: dt.datetime, ip: str, url: str, action: str = "TCP_MISS/200") -> str:
    method = "GET"
    return (
        f"{when.timestamp():.3f} {15:6d} {ip} {action} 1234 {method} {url} - "
        "HIER_DIRECT/93.184.216.34 text/html\n"
    )


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An hour of one laptop's proxy log, read by ``warden ingest`` as the school's proxy
    logs are."""
    alert = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)

    def at(minutes: float) -> dt.datetime:
        return alert + dt.timedelta(minutes=minutes)

    lines = [
        _line(at(-25), LAPTOP, "https://long-before.example.org/"),
        _line(at(-6), LAPTOP, "https://www.bbc.co.uk/bitesize/subjects"),
        _line(at(-3), LAPTOP, "https://games.example.com/play", "TCP_DENIED/403"),
        _line(at(0), LAPTOP, SEARCH),
        _line(at(2), OTHER_LAPTOP, "https://other-laptop.example.org/"),
        _line(at(4), LAPTOP, LONG),
        _line(at(25), LAPTOP, "https://long-after.example.org/"),
    ]
    log = Path(tmp_path_factory.mktemp("proxy")) / "access.log"
    log.write_text("".join(lines), encoding="utf-8")
    warden_server.warden("ingest", "--format", "squid", "--school", "northgate", str(log))
    (row,) = warden_server.query("SELECT id FROM monitoring_violation WHERE url = ?", SEARCH)
    return {"violation": row["id"]}


def test_the_dsl_sees_what_the_laptop_did_around_the_alert(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, "dsl.northgate")
    page.goto(f"/filtering/violations/{made['violation']}/")
    check_page(page, "violation")
    page.get_by_role(
        "link", name="What else this device did in the 10 minutes around this alert"
    ).click()
    expect(
        page.get_by_role("heading", name="What else this device did around the alert")
    ).to_be_visible()
    check_page(page, "requests around a violation")

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("www.bbc.co.uk")
    expect(rows.nth(1)).to_contain_text("games.example.com")
    expect(rows.nth(1)).to_contain_text("Blocked")
    expect(rows.nth(2)).to_contain_text("(this alert)")
    expect(rows.nth(2)).to_contain_text("www.google.com")
    expect(rows.nth(3)).to_contain_text("www.childline.org.uk")
    for absent in ("long-before", "long-after", "other-laptop"):
        expect(page.get_by_text(absent)).to_have_count(0)

    # The long address is shortened, with the whole of it on hover and when opened.
    shortened = rows.nth(3).locator("summary")
    expect(shortened).to_have_attribute("title", LONG)
    expect(rows.nth(3).get_by_text(LONG, exact=True)).not_to_be_visible()
    shortened.click()
    expect(rows.nth(3).get_by_text(LONG, exact=True)).to_be_visible()
    check_page(page, "requests around a violation, an address opened")

    # Reading them was recorded.
    entries = warden_server.query(
        "SELECT action FROM core_auditentry WHERE action = ? AND object_id = ?",
        "violation.context_viewed",
        str(made["violation"]),
    )
    assert len(entries) == 1
