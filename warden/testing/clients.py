"""Test clients that commit as a request does, signed in past the second factor where the
role needs one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.access import needs_two_factor
from warden.core.models import User


@contextlib.contextmanager
def committed() -> Iterator[None]:
    """Run the block as if its transactions committed at its end, as they do on a server.

    A test runs inside one transaction that never commits, so without this nothing queued
    with ``on_commit`` (e-mails, snapshot publishing) would ever happen. What the block
    queued runs once, when it ends without an error; work of a rolled-back savepoint was
    already dropped by Django and stays dropped.
    """
    start = len(connection.run_on_commit)
    yield
    while len(connection.run_on_commit) > start:
        pending = connection.run_on_commit[start:]
        del connection.run_on_commit[start:]
        for entry in pending:  # (savepoint ids, callback, robust)
            entry[1]()


class CommittingClient(Client):
    """A client whose requests end as they do on a server: their transactions have
    committed, and what they queued for after the commit has run (``committed``)."""

    def request(self, **request: Any) -> Any:
        with committed():
            return super().request(**request)


def signed_in(user: User, *, verified: bool = True) -> Client:
    """A client signed in as ``user``; with ``verified`` its second factor is passed too."""
    client = CommittingClient()
    client.force_login(user)
    if verified and needs_two_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Test authenticator", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
