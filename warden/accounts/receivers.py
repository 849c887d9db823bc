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
