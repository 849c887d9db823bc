"""Signed checkpoints of the audit chain, kept outside the database.

The hash chain shows a row was changed, but someone who can write to the database can also
delete the newest rows and fix the head, or change a row and re-hash everything after it.
A checkpoint records where the chain stood (its last ``seq`` and ``hash``) and when,
signed with an HMAC under the site's audit key, on one line of an append-only file under
``var/`` (and, if configured, in an e-mail to the SIRO). ``warden audit verify`` then proves
the chain still passes through every checkpoint: a checkpointed entry that is gone or
whose hash differs cannot be hidden without the key.

The key is ``WARDEN_AUDIT_KEY`` when set, otherwise derived from ``SECRET_KEY``; the
derivation is salted so the signature is of no use for anything else.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

_SALT = "warden.core.audit_checkpoints"


class CheckpointFileError(Exception):
    """The checkpoint file cannot be read or holds a line this site did not sign."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    written_at: datetime
    mac: str

    def describe(self) -> str:
        """How people see a checkpoint: the entry it vouches for and when it was written."""
        when = timezone.localtime(self.written_at)
        return f"the checkpoint of {when:%d/%m/%Y %H:%M} (entry #{self.seq})"

    def line(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "hash": self.hash,
                "at": self.written_at.isoformat(),
                "mac": self.mac,
            },
            sort_keys=True,
        )


def checkpoint_path() -> Path:
    return Path(settings.WARDEN_AUDIT_CHECKPOINT_FILE)


def _mac(seq: int, chain_hash: str, written_at: str, salt: str = _SALT) -> str:
    message = f"{seq}:{chain_hash}:{written_at}"
    key = settings.WARDEN_AUDIT_KEY or settings.SECRET_KEY
    return salted_hmac(salt, message, secret=key, algorithm="sha256").hexdigest()


def checkpoint_sign(
    *, seq: int, chain_hash: str, written_at: datetime, salt: str = _SALT
) -> Checkpoint:
    """Sign a checkpoint; another ``salt`` signs another kind of line in the same format
    (the retention anchors of ``core.audit_retention``), so neither passes for the other."""
    return Checkpoint(
        seq=seq,
        hash=chain_hash,
        written_at=written_at,
        mac=_mac(seq, chain_hash, written_at.isoformat(), salt),
    )


def _parse(text: str, where: str, salt: str = _SALT) -> Checkpoint:
    try:
        data = json.loads(text)
        seq, chain_hash, at, mac = data["seq"], data["hash"], data["at"], data["mac"]
        if not (isinstance(seq, int) and isinstance(chain_hash, str) and isinstance(mac, str)):
            raise TypeError
        written_at = datetime.fromisoformat(at)
    except (ValueError, KeyError, TypeError):
        raise CheckpointFileError(
            f"{where} is not a checkpoint Warden wrote: the checkpoint file was altered"
        ) from None
    if not hmac.compare_digest(mac, _mac(seq, chain_hash, at, salt)):
        raise CheckpointFileError(
            f"{where} is not signed with this site's audit key: either the checkpoint file "
            "was altered, or the key changed (set WARDEN_AUDIT_KEY, or SECRET_KEY, back to "
            "the value the checkpoints were written with)"
        )
    return Checkpoint(seq=seq, hash=chain_hash, written_at=written_at, mac=mac)


def checkpoints_read(
    path: Path | None = None, salt: str = _SALT, name: str = "the checkpoint file"
) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first; none when the file does not exist yet."""
    path = path or checkpoint_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointFileError(f"The checkpoint file cannot be read: {exc}") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            found.append(_parse(line, f"Line {number} of {name}", salt))
    return found


def checkpoint_append(checkpoint: Checkpoint, path: Path | None = None) -> None:
    """Add one line to the checkpoint file (created owner-only), on disk before returning."""
    path = path or checkpoint_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (checkpoint.line() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
