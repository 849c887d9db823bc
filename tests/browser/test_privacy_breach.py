"""Journey: the SIRO handles a personal data breach, from the home page to the closed record.

A member of staff reports (through the incident log) that a class list with dates of birth
went to the wrong parent: an incident of kind "data breach", which opens a breach with the
ICO's 72-hour clock. Hollybank's SIRO signs in, finds the breach with its clock on the home
page, answers the ICO's risk questions, tries to close before deciding (refused, with what to
do), decides it is not reportable with reasons, records the parents informed, and closes it
with the lessons learned; the chronology reads every step.

``siro.hollybank`` is the data-protection journeys' own sign-in.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

SIRO = "siro.hollybank"
TITLE = "Class list sent to the wrong parent"

SETUP = """
import json
from warden.core.models import School, User
from warden.incidents.models import IncidentKind
from warden.incidents.services.incidents import incident_report
from warden.privacy.models import Breach

school = School.objects.get(slug="hollybank")
incident = incident_report(
    actor=User.objects.get(username="dsl.hollybank"), school=school,
    kind=IncidentKind.DATA_BREACH, title="%(title)s",
    description="A Year 4 class list with dates of birth was e-mailed to one parent.",
    notify=False)
breach = Breach.objects.get(incident=incident)
print(json.dumps({"breach": breach.pk, "reference": breach.reference}))
""".replace("%(title)s", TITLE)


@pytest.fixture(scope="module")
def made(warden_server: LiveWarden) -> dict[str, Any]:
    return warden_server.python(SETUP)


def test_the_siro_assesses_decides_informs_and_closes_a_breach(
    new_page: NewPage, warden_server: LiveWarden, made: dict[str, Any]
) -> None:
    page = new_page()
    sign_in(page, warden_server, SIRO)
    check_page(page, "SIRO home", phone=False)
    panel = page.get_by_role("region", name="Personal data breaches")
    expect(panel).to_contain_text("left to decide on the ICO")
    panel.get_by_role("link", name=re.compile(made["reference"])).click()
    check_page(page, "breach", phone=False)
    expect(page.get_by_role("heading", level=1)).to_contain_text(made["reference"])
    expect(page.locator("p").filter(has_text="left to decide on the ICO").first).to_be_visible()

    # The ICO's risk questions.
    page.get_by_label("What personal data was involved").fill(
        "Names and dates of birth of 28 pupils."
    )
    page.get_by_label("Names and contact details").check()
    page.get_by_label("Identifiers (UPN, date of birth)").check()
    page.get_by_label("How many people's data").fill("28")
    page.get_by_role("group", name="How likely is harm to them").get_by_label("Remote").check()
    page.get_by_role("group", name="How severe could the harm be").get_by_label("Minimal").check()
    page.get_by_label("Contained (data recovered or access closed)").check()
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.locator(".message.success")).to_contain_text("Risk assessment saved")
    check_page(page, "breach assessed", phone=False)

    # Closing before the decision is refused, and says what to do.
    page.get_by_label("Lessons learned").fill("Class lists go out from the MIS only.")
    page.get_by_role("button", name="Close the breach").click()
    expect(page.get_by_role("alert").first).to_contain_text("Record the decision on reporting")
    check_page(page, "breach close refused", phone=False, expected_status=400)

    page.get_by_label("Not reportable to the ICO").check()
    page.get_by_label("Reasons").fill(
        "The parent deleted the e-mail at once and confirmed it; harm is unlikely."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".message.success")).to_contain_text("Decision recorded")
    check_page(page, "breach decided", phone=False)
    expect(page.locator("p").filter(has_text="ICO decision made").first).to_be_visible()

    page.get_by_label("Who was informed").select_option(label="Parents and carers")
    page.get_by_label("Whom exactly").fill("The families of the class")
    page.get_by_label(re.compile(r"^How\b(?! many| likely| severe)")).select_option(label="Letter")
    page.get_by_role("button", name="Record who was informed").click()
    expect(page.locator(".message.success")).to_contain_text("Recorded who was informed")
    check_page(page, "breach informed", phone=False)

    page.get_by_label("Lessons learned").fill("Class lists go out from the MIS only.")
    page.get_by_role("button", name="Close the breach").click()
    expect(page.locator(".message.success")).to_contain_text("Breach closed")
    check_page(page, "breach closed", phone=False)
    chronology = page.get_by_role("region", name="Chronology")
    for words in ("Opened", "Risk assessed", "Decision (within the 72 hours)", "Closed by"):
        expect(chronology).to_contain_text(words)
    row = warden_server.query_one(
        "SELECT state, decision FROM privacy_breach WHERE id = ?", made["breach"]
    )
    assert row == {"state": "closed", "decision": "not_reportable"}
