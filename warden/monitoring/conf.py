"""Filtering settings, read from Django settings first and the environment second.

``warden/settings.py`` may set any of these; otherwise the environment variable of the same
name is used, then the default:

* ``WARDEN_FILTER_DIR``: where each school's snapshot and compiled lists live
  (default ``VAR_DIR/filtering``; one folder per school slug).
* ``WARDEN_BASE_URL``: how browsers reach Warden, for the block page the helpers redirect
  to (default ``http://127.0.0.1:8000``).
* ``WARDEN_FILTER_FAIL_OPEN``: the helper allows everything while it has no valid snapshot.
  Off unless a school sets it on purpose: a filter that fails open stops filtering exactly
  when something has gone wrong.
* ``WARDEN_FILTER_CHECK_INTERVAL``: seconds between the helper's looks at the snapshot
  (default 2), so a published change is in force within a few seconds.
* ``WARDEN_FILTER_IMPORT_ROOTS``: folders (comma-separated) under which the lists page may
  read a UT1 folder named by its path; empty: anywhere Warden can read. The command line is
  not limited: whoever runs it already has the server.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from warden.lib.env import env_bool, env_list, env_str

SNAPSHOT_NAME = "policy.wps"


def filter_dir() -> Path:
    configured = getattr(settings, "WARDEN_FILTER_DIR", None) or env_str("WARDEN_FILTER_DIR")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "filtering"


def school_dir(slug: str) -> Path:
    return filter_dir() / slug


def snapshot_path(slug: str) -> Path:
    """The snapshot file the helpers for school ``slug`` read."""
    return school_dir(slug) / SNAPSHOT_NAME


def base_url() -> str:
    configured = getattr(settings, "WARDEN_BASE_URL", None) or env_str("WARDEN_BASE_URL")
    return str(configured or "http://127.0.0.1:8000").rstrip("/")


def fail_open() -> bool:
    configured = getattr(settings, "WARDEN_FILTER_FAIL_OPEN", None)
    if configured is not None:
        return bool(configured)
    return env_bool("WARDEN_FILTER_FAIL_OPEN", False)


def check_interval() -> float:
    configured = getattr(settings, "WARDEN_FILTER_CHECK_INTERVAL", None)
    if configured is None:
        configured = env_str("WARDEN_FILTER_CHECK_INTERVAL") or "2"
    return float(configured)


def block_page_url(slug: str) -> str:
    """The block page the helpers redirect school ``slug``'s blocked requests to."""
    from django.urls import reverse

    return base_url() + reverse("monitoring:filter_blocked", kwargs={"school_slug": slug})


def import_roots() -> list[Path]:
    configured = getattr(settings, "WARDEN_FILTER_IMPORT_ROOTS", None)
    if configured is None:
        configured = env_list("WARDEN_FILTER_IMPORT_ROOTS", [])
    return [Path(root).resolve() for root in configured if str(root).strip()]


def import_path_allowed(path: Path) -> bool:
    """Whether the lists page may read ``path`` (see ``WARDEN_FILTER_IMPORT_ROOTS``)."""
    roots = import_roots()
    resolved = path.resolve()
    return not roots or any(resolved.is_relative_to(root) for root in roots)
