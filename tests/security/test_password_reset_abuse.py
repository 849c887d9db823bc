"""Password reset is rate-limited and answers the same for every address.

Security issue, item 12: 30 requests sent 30 e-mails, and unknown addresses were answered
measurably faster. Now at most 3 links an hour go to one address and 10 an hour leave for
requests from one client address; the request itself does the same work for every
address (count and queue), and the worker looks the address up.
"""

from __future__ import annotations

import re

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.testing.factories import UserFactory


def _ask(client: Client, email: str, ip: str = "10.0.0.5"):
    return client.post(reverse("core:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_thirty_requests_send_at_most_three_links_to_one_address(
    teacher, django_capture_on_commit_callbacks
):
    client = Client()
    for n in range(30):
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask(client, teacher.email, ip=f"10.0.{n}.1")
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert {tuple(m.to) for m in mail.outbox} == {(teacher.email,)}


def test_one_client_address_gets_at_most_ten_links_an_hour(db, django_capture_on_commit_callbacks):
    users = [UserFactory.create(username=f"staff{n}") for n in range(30)]
    client = Client()
    for user in users:
        with django_capture_on_commit_callbacks(execute=True):
            _ask(client, user.email)
    assert len(mail.outbox) == 10


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(
    teacher, django_capture_on_commit_callbacks
):
    answers = []
    # From two client addresses, so each request finds the same empty counters.
    for email, ip in ((teacher.email, "10.0.0.5"), ("nobody-here@example.org", "10.0.0.6")):
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            response = _ask(Client(), email, ip)
        tables = sorted(
            t for q in queries for t in re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', q["sql"])
        )
        answers.append(
            (response.status_code, response["Location"], response.content, tables, len(callbacks))
        )
    assert answers[0] == answers[1]
    # The request never looks the address up: that is the worker's job.
    assert "core_user" not in answers[0][3]


def test_a_link_still_arrives_and_works(teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client(), teacher.email.upper())
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/\S+)", str(mail.outbox[0].body))
    assert link
    page = Client().get(link.group(1), follow=True)
    assert page.status_code == 200
    assert b"new password" in page.content.lower()


def test_a_malformed_address_is_refused_with_advice(db):
    response = Client().post(reverse("core:password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert b"valid email address" in response.content
