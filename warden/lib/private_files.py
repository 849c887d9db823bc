"""Who may read what Warden keeps on disk.

Everything under the var folder (the SQLite database, the mail spool with reset and signing
links, the browsing-history archive, uploads, evidence, the secret key, audit checkpoints)
is for Warden's own user alone: the folder is 0700 and ``warden`` commands run with umask
0o077, so new files are 0600 and new folders 0700.

One exception: Squid's filter helper runs as Squid's user and must read the filtering
snapshots. With ``WARDEN_FILTER_GROUP`` set, the filter folder belongs to that group
(0750 plus setgid, so what is created inside keeps the group), its files are group-readable
(0640), and each folder on the way to it from the var folder lets the group pass through
without listing it (0710).
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
_GROUP_IN = stat.S_IRGRP | stat.S_IXGRP


class FilePermissionError(RuntimeError):
    """A folder cannot be given the access it needs; the message says what to do."""


def private_folder(folder: Path) -> Path:
    """Create ``folder`` for its owner alone (0700).

    A folder made before this rule (open to others) is tightened with everything in it;
    :func:`share_with_group` then opens the filter folder to Squid's group again.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid != os.geteuid():
        return folder  # another user reading (Squid's, running the filter helper)
    if stat.S_IMODE(folder.stat().st_mode) & 0o007:
        for root, dirs, files in os.walk(folder):
            here = Path(root)
            for name in files:
                path = here / name
                if not path.is_symlink():
                    path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o700)
            for name in dirs:
                (here / name).chmod(0o700)
    # Group passage (0710) is how Squid's group reaches a filter folder inside.
    if stat.S_IMODE(folder.stat().st_mode) & 0o067:
        folder.chmod(0o700)
    return folder


def share_with_group(folder: Path, group: str, *, below: Path | None = None) -> None:
    """Let ``group`` read ``folder`` and what is in it; let it pass through folders from
    ``below`` down to it."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise FilePermissionError(
            f"WARDEN_FILTER_GROUP names the group {group!r}, which does not exist: give the "
            "group Squid runs as (often 'proxy')."
        ) from None
    try:
        folder.mkdir(mode=0o750, parents=True, exist_ok=True)
        if folder.stat().st_uid != os.geteuid():
            return  # another user reading (Squid's, running the filter helper)
        if below is not None and folder.resolve().is_relative_to(below.resolve()):
            passage = folder.resolve().parent
            while passage.is_relative_to(below.resolve()):
                os.chown(passage, -1, gid)
                passage.chmod(0o710)
                if passage == below.resolve():
                    break
                passage = passage.parent
        for root, _dirs, files in os.walk(folder):
            here = Path(root)
            os.chown(here, -1, gid)
            here.chmod(0o2750)
            for name in files:
                os.chown(here / name, -1, gid)
                (here / name).chmod(0o640)
    except PermissionError as exc:
        raise FilePermissionError(
            f"Warden cannot give the group {group!r} access to {folder}: {exc.strerror}. "
            "Warden's user must own the folder and belong to that group."
        ) from None


def share_like_parent(path: Path) -> None:
    """Give a new file or folder its group's read access when its parent folder grants it.

    The filtering snapshot's writer calls this, so files in the shared filter folder stay
    readable by Squid's group whatever the process's umask.
    """
    if stat.S_IMODE(path.parent.stat().st_mode) & _GROUP_IN != _GROUP_IN:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    extra = _GROUP_IN | stat.S_ISGID if path.is_dir() else stat.S_IRGRP
    if mode & extra != extra:
        path.chmod(mode | extra)
