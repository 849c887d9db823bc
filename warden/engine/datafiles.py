"""Where the engine's data lives: what the package ships, and the full public lists.

The package ships the starter keyword library and the starter lists (``data/starter/``, see
its README): small subsets that let a new school filter from the first minute and let the
tests run with nothing beside the repository. The full public lists (UT1, hosts files,
LDNOOBW) feed only the benchmarks, from ``WARDEN_SHARED_DATA`` or ``../shared/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
STARTER_DIR = DATA_DIR / "starter"
STARTER_UT1 = STARTER_DIR / "ut1"
STARTER_PORNOGRAPHY_HOSTS = STARTER_DIR / "hosts" / "pornography-hosts"
STARTER_LDNOOBW = STARTER_DIR / "ldnoobw"


def shared_data_dir() -> Path:
    """Where the full public lists live, for benchmarks: ``WARDEN_SHARED_DATA``, else
    ``../shared/data`` beside the repository. It may be absent; callers say so."""
    override = os.environ.get("WARDEN_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"
