"""Sign-in events go to the audit trail like any change."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from warden.core.audit import audit_log
from warden.core.models import User

# Sent (with ``school``) inside the transaction that registers a new school, so each area can
# give it what every school starts with (filtering: the shipped filter groups).
school_registered = Signal()


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_log(actor=user, action="user.signed_in", obj=user)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action="user.signed_out", obj=user)


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    audit_log(
        actor=None, action="user.sign_in_failed", obj=user, changes={"username": [None, username]}
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    user = User.objects.filter(username=username or "").first()
    audit_log(
        actor=None, action="user.locked_out", obj=user, changes={"username": [None, username]}
    )
