"""The age keys backups are encrypted to and decrypted with, read from the settings.

A backup is encrypted to one or more public keys (``WARDEN_BACKUP_RECIPIENT``, ``age1…``),
so the site that writes backups holds nothing that can read them. Restoring needs the
matching secret key (``WARDEN_BACKUP_IDENTITY``, ``AGE-SECRET-KEY-1…``, or a key file named
by ``WARDEN_BACKUP_IDENTITY_FILE`` as ``warden backup-key`` or ``age-keygen`` writes it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from pyrage import IdentityError, RecipientError, x25519

from warden.core.errors import ServiceError


def _keys(texts: list[str], parse: Callable[[str], Any], refusal: str) -> list[Any]:
    keys = []
    for text in texts:
        try:
            keys.append(parse(text))
        except (RecipientError, IdentityError):
            raise ServiceError(refusal.format(start=text[:12])) from None
    return keys


def backup_recipients() -> list[Any]:
    """The public keys a new backup is encrypted to; refuses when none is configured."""
    if not settings.WARDEN_BACKUP_RECIPIENT:
        raise ServiceError(
            "No backup key is configured: set WARDEN_BACKUP_RECIPIENT to the public key "
            "(age1…) that 'warden backup-key' printed when it made the key."
        )
    return _keys(
        settings.WARDEN_BACKUP_RECIPIENT,
        x25519.Recipient.from_str,
        "WARDEN_BACKUP_RECIPIENT holds {start}…, which is not an age public key: give the "
        "line starting 'age1' that 'warden backup-key' printed.",
    )


def backup_identities() -> list[Any]:
    """The secret keys a backup is decrypted with; refuses when none is configured."""
    configured = settings.WARDEN_BACKUP_IDENTITY or ""
    # A key file holds comment lines ("# public key: age1…") beside the key itself.
    lines = [line.strip() for line in configured.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if not keys:
        raise ServiceError(
            "No key to decrypt the backup with: set WARDEN_BACKUP_IDENTITY_FILE to the key "
            "file made by 'warden backup-key' (or WARDEN_BACKUP_IDENTITY to the secret key "
            "in it, the line starting 'AGE-SECRET-KEY-')."
        )
    # The refusal never repeats any of a secret key.
    return _keys(
        keys,
        x25519.Identity.from_str,
        "WARDEN_BACKUP_IDENTITY is not an age secret key: give the key file made by "
        "'warden backup-key', or its line starting 'AGE-SECRET-KEY-'.",
    )


@dataclass(frozen=True)
class NewKey:
    path: Path
    recipient: str


def backup_key_create(*, path: Path) -> NewKey:
    """Write a new secret key to ``path`` (readable by its owner alone) and return the
    public key backups are to be encrypted to."""
    if path.exists():
        raise ServiceError(
            f"{path} already exists: give a new file name, so no key in use is overwritten."
        )
    if not path.parent.is_dir():
        raise ServiceError(f"There is no folder {path.parent}: create it first.")
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    text = f"# public key: {recipient}\n{identity}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return NewKey(path=path, recipient=recipient)
