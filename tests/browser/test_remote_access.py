"""Journey: a burst of failed VPN logins reaches the ICT manager.

An OpenVPN server's log, with twelve refused logins for one account in two minutes, is read
with ``warden remote-access-ingest``. Hollybank's ICT manager opens Remote access from the
menu, sees the counts and the alert, acknowledges it with a note, and looks through the
attempts filtered to the failures. Desk pages for ICT staff, so no 390 px check.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import open_from_menu, sign_in
from tests.browser.server import LiveWarden

ICT = "ictmanager.hollybank"
USER = "journey-remote"


def _log(path: Path, now: dt.datetime) -> Path:
    lines = []
    start = now - dt.timedelta(minutes=10)
    for n in range(12):
        t = f"{start + dt.timedelta(seconds=10 * n):%Y-%m-%d %H:%M:%S}"
        peer = f"198.51.100.77:{41000 + n}"
        lines += [
            f"{t} {peer} AUTH-PAM: BACKGROUND: user '{USER}' failed to authenticate: "
            "Authentication failure",
            f"{t} {peer} TLS Auth Error: Auth Username/Password verification failed for peer",
        ]
    t = f"{now - dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}"
    lines += [
        f"{t} 203.0.113.9:51812 [{USER}] Peer Connection Initiated with [AF_INET]203.0.113.9:51812",
        f"{t} {USER}/203.0.113.9:51812 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_ict_manager_acknowledges_a_burst_of_failed_logins(
    new_page: NewPage, warden_server: LiveWarden, tmp_path: Path
) -> None:
    # The demo school's clock: Europe/London.
    from zoneinfo import ZoneInfo

    now = dt.datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    log = _log(tmp_path / "openvpn.log", now)
    out = warden_server.warden(
        "remote-access-ingest", "--school", "hollybank", "--format", "openvpn", str(log)
    )
    assert "13 events read, 13 new" in out and "2 alerts raised" in out

    page = new_page()
    sign_in(page, warden_server, ICT)
    open_from_menu(page, "Remote access", section="Filtering and monitoring")
    expect(page.get_by_role("heading", name="Remote access", level=1)).to_be_visible()
    check_page(page, "remote access", phone=False)
    row = page.get_by_role("row").filter(has_text=USER)
    expect(row).to_contain_text("12")
    row.get_by_label("What you found or did").fill("Forgot the new password; reset it.")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".message.success")).to_contain_text(f"account {USER} acknowledged")
    expect(page.get_by_role("row").filter(has_text=USER)).to_contain_text("Forgot the new password")
    check_page(page, "remote access after acknowledging", phone=False)

    page.get_by_role("link", name="All connection attempts").click()
    check_page(page, "remote-access attempts", phone=False)
    page.get_by_label("User name or person").fill(USER)
    page.get_by_label("What happened").select_option(label="Failed attempt")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#results caption")).to_have_text("12 events, newest first")
    # The select's change and the button's submit each send a request; the form is dimmed
    # while one is in flight, so check the page once both have settled.
    expect(page.locator(".htmx-request")).to_have_count(0)
    check_page(page, "failed attempts filtered", phone=False)
