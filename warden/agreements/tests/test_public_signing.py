"""The page a signing link opens, and the e-mails that carry the links (issue 12, fixes 1 and 4).

The browser journey (tests/browser/test_journey_signing.py) proves these in Chromium; these
tests pin each one cheaply through HTTP.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from warden.agreements import services
from warden.agreements.models import Agreement, Audience, Method, Signature
from warden.agreements.starters import STARTERS
from warden.agreements.testing import parent_of, published_version, sign_current
from warden.agreements.text import reflow, text_blocks
from warden.people.models import Person
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _link_path(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/agreements/sign/[^\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def _staff_link(school, office, client_for) -> tuple[str, Person]:
    person = PersonFactory.create(school=school, email="signer@example.org")
    published_version(school, Audience.STAFF)
    client_for(office).post(reverse("agreements:person_link", kwargs={"person_pk": person.pk}))
    return _link_path(mail.outbox[-1]), person


def test_signing_page_lets_the_browser_send_its_origin(school, office, client_for, anonymous):
    # "no-referrer" made Chromium post the form with "Origin: null", which Django refuses.
    path, _ = _staff_link(school, office, client_for)
    page = anonymous.get(path)
    assert page["Referrer-Policy"] == "same-origin"
    assert page["Cache-Control"] == "no-store"


def test_signing_by_link_passes_the_csrf_check_with_the_browsers_origin(school, office, client_for):
    path, person = _staff_link(school, office, client_for)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token
    done = browser.post(
        path,
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "typed_name": person.full_name,
            "confirmed": "on",
        },
        headers={"Origin": "http://testserver"},
    )
    assert done.status_code == 200 and b"Thank you" in done.content
    assert Signature.objects.filter(person=person, method=Method.LINK).exists()


def test_signing_page_carries_the_schools_name_and_no_way_into_warden(
    school, office, client_for, anonymous
):
    path, _ = _staff_link(school, office, client_for)
    page = anonymous.get(path).content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert school.name in header
    assert "Warden" not in header
    assert reverse("core:login") not in page
    assert f"· {school.name}</title>" in page


def test_agreement_text_reads_as_paragraphs_with_the_fingerprint_tucked_away(
    school, office, client_for, anonymous
):
    path, _ = _staff_link(school, office, client_for)
    version = published_version(school, Audience.STAFF)
    page = anonymous.get(path).content.decode()
    # Each point is one line, whatever width the starter was written at.
    assert (
        '<li value="1">I will use only the account and password issued to me, keep my password '
        "to myself, and change it straight away if I think someone else knows it.</li>"
    ) in page
    assert "<h2>Access and passwords</h2>" in page
    details = page[page.index('<details class="fingerprint">') :]
    assert version.sha256 in details[: details.index("</details>")]


def test_the_proof_of_signature_shows_the_text_as_paragraphs(school, office, client_for):
    person = PersonFactory.create(school=school)
    signature = sign_current(person)
    page = client_for(office).get(
        reverse("agreements:signature_detail", kwargs={"signature_pk": signature.pk})
    )
    assert "<h3>Access and passwords</h3>" in page.content.decode()
    assert f'<code class="hash">{signature.text_sha256}</code>' in page.content.decode()


def test_starter_texts_are_stored_unwrapped():
    for starter in STARTERS.values():
        for line in starter.text.splitlines():
            # A line that ends mid-sentence was hard-wrapped.
            assert not line or line.endswith((".", ":", "?", "!")) or len(line) < 60, line
        assert text_blocks(reflow(starter.text)) == text_blocks(starter.text)


def test_hard_wrapped_text_is_read_as_paragraphs_points_and_headings():
    text = (
        "The first paragraph runs on\nto a second line.\n\nRules\n1. A point that\n"
        "   continues here.\n2. Another.\n- A dash point\n\nLast words."
    )
    blocks = text_blocks(text)
    assert [(b.kind, b.text) for b in blocks] == [
        ("p", "The first paragraph runs on to a second line."),
        ("h", "Rules"),
        ("ol", ""),
        ("ul", ""),
        ("p", "Last words."),
    ]
    assert [(p.number, p.text) for p in blocks[2].points] == [
        (1, "A point that continues here."),
        (2, "Another."),
    ]
    assert reflow(text) == (
        "The first paragraph runs on to a second line.\n\n"
        "Rules\n1. A point that continues here.\n2. Another.\n- A dash point\n\nLast words.\n"
    )


def test_an_unticked_box_is_explained_in_plain_words(school, office, client_for, anonymous):
    path, person = _staff_link(school, office, client_for)
    page = anonymous.post(path, {"typed_name": person.full_name})
    assert page.status_code == 200
    assert b"Tick the box to confirm you have read and agree to the text." in page.content
    assert b"This field is required" not in page.content
    # The message is the one the tick box's aria-describedby names.
    assert b'aria-describedby="id_confirmed_error"' in page.content
    assert b'id="id_confirmed_error"' in page.content
    assert not Signature.objects.filter(person=person).exists()


def test_counter_signing_email_names_the_child(school, office, client_for):
    pupil = PupilFactory.create(school=school)
    parent = parent_of(pupil)
    signature = sign_current(pupil, countersign=False)
    client_for(office).post(
        reverse("agreements:countersign_link", kwargs={"signature_pk": signature.pk})
    )
    message = mail.outbox[-1]
    assert message.to == [parent.email]
    assert pupil.full_name in message.subject
    assert f"counter-sign it for {pupil.full_name}" in str(message.body)


def test_a_parent_who_counter_signed_gets_no_further_link(school, office, client_for):
    pupil = PupilFactory.create(school=school)
    parent = parent_of(pupil)
    sign_current(pupil)  # counter-signed by the parent at the desk
    signature = Signature.objects.get(person=pupil)
    client_for(office).post(
        reverse("agreements:countersign_link", kwargs={"signature_pk": signature.pk})
    )
    assert not [m for m in mail.outbox if parent.email in m.to]


def test_an_older_link_is_refused_once_the_person_has_signed(school, office, client_for, anonymous):
    first, person = _staff_link(school, office, client_for)
    client_for(office).post(reverse("agreements:person_link", kwargs={"person_pk": person.pk}))
    second = _link_path(mail.outbox[-1])
    assert first != second
    anonymous.post(second, {"typed_name": person.full_name, "confirmed": "on"})
    older = anonymous.get(first)
    assert older.status_code == 410
    assert b"so this link is no longer needed" in older.content
    assert school.name.encode() in older.content
    assert Signature.objects.filter(person=person).count() == 1


def test_no_reminder_once_signed(school):
    version = published_version(school, Audience.STAFF)
    person = PersonFactory.create(school=school, email="signer@example.org")
    _link, token = services.signing_link_create(
        actor=None, person=person, version=version, sent_to=person.email
    )
    services.signing_link_use(
        token=token, typed_name=person.full_name, confirmed=True, ip=None, user_agent=""
    )
    mail.outbox.clear()
    services.reminders_send(school=school)
    assert not [m for m in mail.outbox if person.email in m.to]


def test_parent_links_for_year_7_go_to_the_parents_of_year_7(school, office, client_for):
    published_version(school, Audience.PARENT)
    agreement = Agreement.objects.get(school=school, audience=Audience.PARENT)
    year_7 = PupilFactory.create(school=school, year_group=7)
    year_8 = PupilFactory.create(school=school, year_group=8, form="8A")
    wanted, other = parent_of(year_7), parent_of(year_8)
    response = client_for(office).post(
        reverse("agreements:send_links", kwargs={"agreement_pk": agreement.pk}),
        {"year_group": "7"},
        follow=True,
    )
    sent_to = [m.to[0] for m in mail.outbox]
    assert wanted.email in sent_to and other.email not in sent_to
    assert "1 signing link(s) e-mailed to parents and carers of pupils in Year 7" in (
        response.content.decode()
    )


def test_sending_to_an_empty_group_says_why_nothing_went(school, office, client_for):
    published_version(school, Audience.PARENT)
    agreement = Agreement.objects.get(school=school, audience=Audience.PARENT)
    response = client_for(office).post(
        reverse("agreements:send_links", kwargs={"agreement_pk": agreement.pk}),
        {"year_group": "11"},
        follow=True,
    )
    assert not mail.outbox
    assert (
        f"No links sent: there are no parents and carers of pupils in Year 11 at {school.name}."
        in response.content.decode()
    )
