"""Steps many journeys share: signing in (with the second factor when the role needs it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.checks import check_page
from tests.browser.server import LiveWarden

TOTP_STEP = 30


def totp(secret: str, *, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for ``secret`` (RFC 6238, SHA-1, 30 s)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // TOTP_STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_totp(server: LiveWarden, username: str) -> str:
    """A code for ``username`` not used before: Warden refuses a code a second time."""
    secret = server.totp_secrets[username]
    code = totp(secret)
    while server.totp_used.get(username) == code:
        time.sleep(1)
        code = totp(secret)
    server.totp_used[username] = code
    return code


def sign_in(page: Page, server: LiveWarden, username: str, *, phone: bool = False) -> None:
    """Sign in from the sign-in page as a person would, checking each page on the way.

    A role that needs the second factor enrols an authenticator at its first sign-in (the
    key is read from the page, as a person would type it into their app) and afterwards
    enters the current code. Ends on the dashboard.
    """
    page.goto("/sign-in/")
    check_page(page, "sign-in", phone=phone)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if "/sign-in/two-factor/" in page.url:
        check_page(page, "two-factor set-up", phone=phone)
        server.totp_secrets[username] = page.locator("code.secret").inner_text().strip()
        page.get_by_label("Code from your authenticator app").fill(fresh_totp(server, username))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
        check_page(page, "backup codes", phone=phone)
        page.get_by_role("link", name="Continue").click()
    elif "/sign-in/verify/" in page.url:
        check_page(page, "second step of sign-in", phone=phone)
        page.get_by_label("Code from your authenticator app").fill(fresh_totp(server, username))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")
    assert "/sign-in/" not in page.url, f"{username} is still signing in at {page.url}"


def open_from_menu(page: Page, name: str, *, section: str) -> None:
    """Follow the main menu's link ``name``, unfolding its ``section`` when the menu has
    folded it away (sections a role does not use daily are folded)."""
    menu = page.get_by_role("navigation", name="Main")
    link = menu.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu.locator("summary", has_text=section).click()
    link.click()
    page.wait_for_load_state("load")


def tick_every_step(page: Page) -> None:
    """Tick every open step of a record's playbook, each with a note (steps that name who
    is told need one), as a person works down the list."""
    while page.get_by_role("button", name="Tick").count():
        form = page.locator("form").filter(has=page.get_by_role("button", name="Tick")).first
        form.get_by_role("textbox").fill("Done today.")
        form.get_by_role("button", name="Tick").click()
        expect(page.locator(".message.success")).to_contain_text("Step ticked")


def choose_person(scope: Page | Locator, label: str, typed: str, option: str) -> None:
    """Choose a person in a person chooser: type part of the name, as slowly as a person
    types, and click the option the list offers (``option``: its words, as read out)."""
    box = scope.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(typed, delay=40)
    listbox = scope.get_by_role("listbox")
    listbox.get_by_role("option", name=option).click()
    expect(box).to_have_attribute("aria-expanded", "false")


# Run inside Warden by ``alerts_arrive``: SPEC is the JSON it was given.
ALERTS_ARRIVE = """
import json, uuid
from django.utils import timezone
from warden.core.models import School
from warden.incidents.services.triage import violations_received
from warden.monitoring.models import Violation
from warden.people.services import person_create

spec = json.loads(SPEC)
school = School.objects.get(slug=spec["school"])
people = [person_create(actor=None, school=school, fields=f) for f in spec["people"]]
alerts = []
for n, fields in enumerate(spec["alerts"]):
    fields = dict(fields)
    alerts.append(Violation.objects.create(
        school=school, engine_id=f"journey-{uuid.uuid4().hex}", source_id="journey",
        offset=n, line_no=n + 1, ts=timezone.now(), kind="keyword",
        person=people[fields.pop("person")], **fields))
violations_received(school=school, violation_ids=[v.pk for v in alerts])
print(json.dumps({"people": [p.pk for p in people], "alerts": [v.pk for v in alerts]}))
"""


def alerts_arrive(
    server: LiveWarden, *, school: str, people: list[dict[str, Any]], alerts: list[dict[str, Any]]
) -> dict[str, list[int]]:
    """Add a journey's own people to ``school``'s register and hand its monitoring alerts to
    triage as ingestion would (no page makes an alert).

    Each alert gives the violation's fields and names its person by position in ``people``
    (``"person": 0``). Returns the new ids: ``{"people": [...], "alerts": [...]}``.
    """
    spec = json.dumps({"school": school, "people": people, "alerts": alerts})
    result: dict[str, list[int]] = server.python(f"SPEC = {spec!r}\n{ALERTS_ARRIVE}")
    return result
