"""Secrets Warden uses to reach other systems, kept out of its database.

A bind password, an SFTP password or a client secret is named by an environment variable
or by a file readable by Warden's user only; the database records which, never the secret.
"""

from __future__ import annotations

import os
from pathlib import Path

from warden.core.errors import ServiceError


def secret_from(*, env: str, file: str, what: str) -> str | None:
    """The secret in the environment variable ``env``, else in ``file``; None if neither
    is named. ``what`` says in words whose secret it is, for the refusal."""
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ServiceError(f"The environment variable {env} ({what}) is not set for Warden.")
        return value
    if file:
        try:
            return Path(file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ServiceError(f"Cannot read the file {file} ({what}): {exc.strerror}.") from None
    return None
