"""Filtering settings, as ``warden/settings.py`` reads them from the environment:

* ``WARDEN_FILTER_DIR``: where each school's snapshot and compiled lists live
  (default ``VAR_DIR/filtering``; one folder per school slug).
* ``WARDEN_BASE_URL``: how browsers reach Warden, for the block page the helpers redirect to.
* ``WARDEN_FILTER_FAIL_OPEN``: the helper allows everything while it has no valid snapshot.
  Off unless a school sets it on purpose: a filter that fails open stops filtering exactly
  when something has gone wrong.
* ``WARDEN_FILTER_CHECK_INTERVAL``: seconds between the helper's looks at the snapshot
  (default 2), so a published change is in force within a few seconds.
* ``WARDEN_FILTER_IMPORT_ROOTS``: folders (comma-separated) under which the lists page may
  read a UT1 folder named by its path; empty (the default): none, the page reads no folder
  on the server. Paths are resolved (symbolic links followed) before they are compared, for
  the folder and every file read from it. The command line is not limited: whoever runs it
  already has the server.
* ``WARDEN_FILTER_DOWNLOAD_MB`` (default 512), ``WARDEN_FILTER_UNPACKED_MB`` (default
  4096), ``WARDEN_FILTER_DOWNLOAD_SECONDS`` (default 1800): bounds on a list update's
  download, its unpacked files and its time; ``WARDEN_FILTER_DOWNLOAD_TIMEOUT`` (default
  60): seconds a download may wait for the server.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from warden.core.links import absolute_url

SNAPSHOT_NAME = "policy.wps"


def filter_dir() -> Path:
    return Path(settings.WARDEN_FILTER_DIR)


def school_dir(slug: str) -> Path:
    return filter_dir() / slug


def snapshot_path(slug: str) -> Path:
    """The snapshot file the helpers for school ``slug`` read."""
    return school_dir(slug) / SNAPSHOT_NAME


def fail_open() -> bool:
    return bool(settings.WARDEN_FILTER_FAIL_OPEN)


def check_interval() -> float:
    return float(settings.WARDEN_FILTER_CHECK_INTERVAL)


def block_page_url(slug: str) -> str:
    """The block page the helpers redirect school ``slug``'s blocked requests to."""
    return absolute_url(reverse("monitoring:filter_blocked", kwargs={"school_slug": slug}))


def import_roots() -> list[Path]:
    """The folders the lists page may read from, resolved; none unless configured."""
    roots = settings.WARDEN_FILTER_IMPORT_ROOTS
    return [Path(os.path.realpath(root)) for root in roots if str(root).strip()]


def within_roots(path: Path, roots: Sequence[Path]) -> bool:
    """Whether ``path``, once resolved (every symbolic link followed), is under a root."""
    resolved = Path(os.path.realpath(path))
    return any(resolved.is_relative_to(root) for root in roots)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def download_limit() -> int:
    """Bytes a list update downloads at most."""
    return int(_setting("WARDEN_FILTER_DOWNLOAD_MB", 512) * 2**20)


def unpacked_limit() -> int:
    """Bytes a downloaded tarball may unpack to."""
    return int(_setting("WARDEN_FILTER_UNPACKED_MB", 4096) * 2**20)


def download_seconds() -> int:
    """Seconds a whole download may take."""
    return int(_setting("WARDEN_FILTER_DOWNLOAD_SECONDS", 1800))


def download_timeout() -> float:
    """Seconds a download waits for the server to answer or send more."""
    return _setting("WARDEN_FILTER_DOWNLOAD_TIMEOUT", 60)


# The helpers' heartbeats: each helper process writes one file under the school's folder
# every HEARTBEAT_SECONDS; one not seen for HELPER_SILENT_AFTER seconds is a warning.
HEARTBEAT_FOLDER = "helpers"
HEARTBEAT_SECONDS = 60
HELPER_SILENT_AFTER = 600


def heartbeat_dir(slug: str) -> Path:
    return school_dir(slug) / HEARTBEAT_FOLDER
