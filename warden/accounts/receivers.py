"""What accounts do when other areas say something happened (connected in ``apps.ready``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from warden.core.models import User
from warden.people.models import Person


def on_person_leaving(
    sender: Any, *, person: Person, leaving_date: dt.date, actor: User | None = None, **_: Any
) -> None:
    """A leaving date was set: every live account gets its removal deadline (policy duty
    "Leavers' accounts removed within 48 hours", docs/policy-map.md)."""
    from warden.accounts.services import leaver_deadlines_set

    leaver_deadlines_set(actor=actor, person=person, leaving_date=leaving_date)


def on_user_logged_in(sender: Any, *, request: Any, user: User, **_: Any) -> None:
    """A sign-in whose password is on the breached-password list, or older than the
    school's maximum age: the sign-in guard holds the user at the password change until
    they choose another (policy duties "A breached password is changed at once" and
    "Passwords changed, not reused", docs/policy-map.md)."""
    from warden.accounts.passwords import is_breached
    from warden.accounts.services import password_expired, sign_in_password_change_required

    password = request.POST.get("password", "") if request is not None else ""
    if password and is_breached(password):
        sign_in_password_change_required(user=user, because="breached")
    elif password_expired(user):
        sign_in_password_change_required(user=user, because="expired")
