"""One-time links sent to people outside Warden: signing links here, consent links in the
consent area. Both are made, read and refused by these functions, so a link behaves the same
whatever it is for.

A token is random, signed with the site's key (so a mistyped one is refused before any
lookup) and stored only as its SHA-256, so a copy of the database cannot use a link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Protocol

from django.core import signing
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import School


class LinkRefused(ServiceError):
    """A link that cannot be used; ``gone`` when it existed but is spent or old.

    ``school`` is the link's school when the link was found, so the page saying why can
    carry the school's name.
    """

    def __init__(self, message: str, *, gone: bool, school: School | None = None) -> None:
        super().__init__(message)
        self.gone = gone
        self.school = school


class OneTimeLink(Protocol):
    school: School
    used_at: dt.datetime | None
    expires_at: dt.datetime


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def new_token(salt: str) -> tuple[str, str]:
    """A fresh ``(hash to store, token to send)`` pair; the token is not kept anywhere."""
    raw = secrets.token_urlsafe(24)
    return token_hash(raw), signing.Signer(salt=salt).sign(raw)


def stored_hash(token: str, *, salt: str, what: str) -> str:
    """The hash a link was stored under, or ``LinkRefused`` for a token that is not ours."""
    try:
        raw = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        raise LinkRefused(
            f"This {what} is not valid; check it was copied in full.", gone=False
        ) from None
    return token_hash(raw)


def unknown(what: str) -> LinkRefused:
    return LinkRefused(f"This {what} is not valid; ask the school for a new one.", gone=False)


def check_open(link: OneTimeLink, *, at: dt.datetime, what: str, again: str) -> None:
    """Refuse a link that has been used (it works once) or has expired; ``again`` says what
    someone who needs it still should do."""
    if link.used_at is not None:
        raise LinkRefused(
            f"This {what} has already been used; a link works once. {again}",
            gone=True,
            school=link.school,
        )
    if link.expires_at <= at:
        raise LinkRefused(
            f"This {what} expired on {timezone.localtime(link.expires_at):%d/%m/%Y}; "
            "ask the school for a new one.",
            gone=True,
            school=link.school,
        )
