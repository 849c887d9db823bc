"""Idle sign-ins end after IDLE_MINUTES; a session in use is written at most once a minute."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from warden.testing.factories import PASSWORD

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _expiry(client: Client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _signed_in_governor() -> Client:
    client = Client()
    response = client.post(reverse("core:login"), {"username": "governor", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_pages_within_a_minute_do_not_write_the_session(governor):
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_governor()
        signed_in_until = _expiry(client)
        traveller.shift(dt.timedelta(seconds=30))
        assert client.get(reverse("core:dashboard")).status_code == 200
        assert _expiry(client) == signed_in_until


def test_a_page_a_minute_later_keeps_the_sign_in_alive(governor):
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_governor()
        traveller.shift(dt.timedelta(seconds=61))
        assert client.get(reverse("core:dashboard")).status_code == 200
        assert _expiry(client) == timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        # Used every few minutes, the sign-in outlives the idle limit many times over.
        for _ in range(settings.IDLE_MINUTES):
            traveller.shift(dt.timedelta(minutes=settings.IDLE_MINUTES - 1))
            assert client.get(reverse("core:dashboard")).status_code == 200


def test_a_sign_in_left_idle_ends_at_the_idle_limit(governor):
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_governor()
        traveller.shift(dt.timedelta(seconds=50))
        assert client.get(reverse("core:dashboard")).status_code == 200
        # Idle from here: the last write was 50 s ago, so the sign-in ends within the limit.
        traveller.shift(dt.timedelta(minutes=settings.IDLE_MINUTES) - dt.timedelta(seconds=49))
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))


def test_a_visitor_gets_no_stored_session(db):
    client = Client()
    assert client.get(reverse("core:login")).status_code == 200
    assert not Session.objects.exists()
