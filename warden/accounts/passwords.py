"""The password check other systems call: the school's policy plus known-bad passwords.

Policy duty "Passwords meet the policy minimum" (docs/policy-map.md) sets the rules
(``warden.lib.passwords``); on top, a candidate must not be a common password (Django's list
of 20,000) nor on the breached-password list file named by the
``WARDEN_BREACHED_PASSWORDS_FILE`` setting or environment variable. That file holds one
password per line, or SHA-1 hashes in the "HASH" or "HASH:count" form of published breach
corpora. The candidate is never logged, audited or stored.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils import timezone

from warden.core.models import School
from warden.core.passwords import school_policy
from warden.lib.passwords import password_problems


def breached_list_path() -> Path | None:
    value = getattr(settings, "WARDEN_BREACHED_PASSWORDS_FILE", None) or os.environ.get(
        "WARDEN_BREACHED_PASSWORDS_FILE"
    )
    return Path(value) if value else None


@cache
def _breached_entries(path: str, mtime: float) -> frozenset[str]:
    """The list's lines: plain passwords as they are, SHA-1 hashes upper-cased (cached)."""
    entries: set[str] = set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                continue
            head = line.split(":", 1)[0]
            if len(head) == 40 and all(c in "0123456789abcdefABCDEF" for c in head):
                entries.add("sha1:" + head.upper())
            else:
                entries.add(line)
    return frozenset(entries)


def is_breached(candidate: str) -> bool:
    path = breached_list_path()
    if path is None or not path.is_file():
        return False
    entries = _breached_entries(str(path), path.stat().st_mtime)
    digest = hashlib.sha1(candidate.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    return candidate in entries or f"sha1:{digest}" in entries


@cache
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def candidate_problems(school: School, candidate: str) -> list[str]:
    """Each rule the candidate breaks at this school, in words a person can act on."""
    problems = password_problems(candidate, school_policy(school))
    if candidate.lower().strip() in _common_passwords():
        problems.append("This is one of the most common passwords; choose something less obvious.")
    if is_breached(candidate):
        problems.append(BREACHED_WORDS)
    return problems


# --- Warden's own sign-ins -------------------------------------------------------------------

# Policy duty "Passwords changed, not reused" (docs/policy-map.md). The last five (the
# current one among them) may not be chosen again.
PASSWORD_HISTORY = 5
BREACHED_WORDS = "This password has appeared in a data breach; choose one that has not been used."


class BreachedPasswordValidator:
    """Refuses a Warden password on the breached-password list (``is_breached``)."""

    def validate(self, password: str, user: Any = None) -> None:
        if is_breached(password):
            raise ValidationError(BREACHED_WORDS, code="password_breached")

    def get_help_text(self) -> str:
        return "It must not be a password that has appeared in a data breach."


class PasswordHistoryValidator:
    """Refuses a user's current or recent passwords, and records each new one's hash."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        from warden.accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password_hash", flat=True)[
                :PASSWORD_HISTORY
            ]
        )
        if user.password:
            hashes.append(user.password)
        if any(check_password(password, old) for old in hashes):
            raise ValidationError(
                f"Choose a password you have not used before: your last {PASSWORD_HISTORY} "
                "passwords cannot be used again.",
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None or not user.password:
            return
        from warden.accounts.models import PasswordHistory

        PasswordHistory.objects.create(
            user_id=user.pk, password_hash=user.password, set_at=timezone.now()
        )
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            :PASSWORD_HISTORY
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return f"It must differ from your last {PASSWORD_HISTORY} passwords."
