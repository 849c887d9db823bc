"""Journey: "why is this site blocked?", asked by the ICT manager and by a teacher.

The ICT manager checks a gambling site on the "Check a site" page and reads, for key stage
2, that it is blocked and which list and category decide it. A teacher, on a phone, finds
the same page from the unblock requests page, checks the site, and sends the unblock
request the page filled in for them; the ICT manager then opens the request and sees the
same explanation beside the approve button.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.checks import check_page
from tests.browser.conftest import NewPage
from tests.browser.helpers import sign_in
from tests.browser.server import LiveWarden

# In the starter lists' gambling folder, which every demo school filters with.
SITE = "pokerstars.com"


def test_a_blocked_site_is_explained_and_a_teacher_asks_to_unblock_it(
    new_page: NewPage, warden_server: LiveWarden
) -> None:
    ict = new_page()
    sign_in(ict, warden_server, "ictmanager.hollybank")
    ict.goto("/filtering/check/")
    check_page(ict, "check a site", phone=False)
    ict.get_by_label("Site or address").fill(SITE)
    ict.get_by_role("button", name="Check").click()
    ks2 = ict.get_by_role("region", name=re.compile("^Key stage 2"))
    expect(ks2).to_contain_text("blocked")
    expect(ks2).to_contain_text("Decided by: a blocked category (Gambling)")
    expect(ks2).to_contain_text("the site is listed under Gambling in")
    check_page(ict, "check a site, a blocked one", phone=False)

    teacher = new_page(phone=True)
    sign_in(teacher, warden_server, "teacher.hollybank", phone=True)
    teacher.goto("/filtering/requests/")
    check_page(teacher, "unblock requests, teacher")
    teacher.get_by_role("link", name="Check the site").click()
    teacher.get_by_label("Site or address").fill(SITE)
    teacher.get_by_role("button", name="Check").click()
    check_page(teacher, "check a site, teacher")
    teacher.get_by_role("link", name=re.compile("^Ask to unblock it for Key stage 2")).click()
    expect(teacher.get_by_label("Site")).to_have_value(SITE)
    check_page(teacher, "unblock request, prefilled")
    teacher.get_by_label("Reason").fill("A lesson on how betting odds are worked out.")
    teacher.get_by_role("button", name="Send the request").click()
    expect(teacher.locator(".message.success")).to_contain_text(f"unblock {SITE} is sent")
    check_page(teacher, "unblock request sent")

    ict.goto("/filtering/requests/")
    ict.get_by_role("link", name=SITE).first.click()
    expect(ict.get_by_role("heading", name=f"What the filter does with {SITE} now")).to_be_visible()
    expect(ict.get_by_role("region", name=re.compile("^Key stage 2"))).to_contain_text(
        "the site is listed under Gambling in"
    )
    check_page(ict, "unblock request, with the explanation", phone=False)
