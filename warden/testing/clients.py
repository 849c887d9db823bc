"""Signed-in test clients, past the second factor where the role needs one."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from warden.core.access import needs_two_factor
from warden.core.models import User


def signed_in(user: User, *, verified: bool = True) -> Client:
    """A client signed in as ``user``; with ``verified`` its second factor is passed too."""
    client = Client()
    client.force_login(user)
    if verified and needs_two_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="Test authenticator", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
