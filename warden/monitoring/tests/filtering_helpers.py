"""Shared set-up for the filtering tests: a filtering folder per test, a small UT1 list
made of real gambling lines, standard groups, and publishing inside a test transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from warden.core.models import School, User
from warden.engine.datafiles import STARTER_UT1
from warden.engine.policy import PolicyEngine
from warden.engine.snapshot import read_snapshot
from warden.monitoring import conf
from warden.monitoring.models.filtering import FilterGroup
from warden.monitoring.services import filtering as services

BASE_URL = "http://warden.test"
GAMBLING_DOMAIN = "pokerstars.com"
OTHER_GAMBLING = ("bet365.com", "williamhill.com", "paddypower.com")


def write_gambling_ut1(root: Path) -> Path:
    """A UT1 folder holding a few real lines of UT1's gambling list (from the starter lists)."""
    source = STARTER_UT1 / "gambling" / "domains"
    wanted = {GAMBLING_DOMAIN, *OTHER_GAMBLING}
    with source.open(encoding="utf-8", errors="replace") as handle:
        found = sorted({line.strip() for line in handle} & wanted)
    assert GAMBLING_DOMAIN in found, f"{GAMBLING_DOMAIN} is no longer in {source}"
    folder = root / "gambling"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "domains").write_text("\n".join(found) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def filtering_dir(settings: Any, tmp_path: Path) -> Path:
    settings.WARDEN_FILTER_DIR = str(tmp_path / "filtering")
    settings.WARDEN_BASE_URL = BASE_URL
    return tmp_path / "filtering"


@pytest.fixture
def ut1_dir(tmp_path: Path) -> Path:
    return write_gambling_ut1(tmp_path / "ut1")


@pytest.fixture
def published(django_capture_on_commit_callbacks: Any) -> Any:
    """``with published(): ...`` runs the on-commit publication the test transaction hides."""

    @contextlib.contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def make_groups(school: School, actor: User | None = None) -> dict[str, FilterGroup]:
    """Pupils (gambling blocked, by 10.1.0.0/16), staff (10.2.0.0/16), guests (default)."""
    pupils = services.group_create(
        actor=actor,
        school=school,
        fields={
            "name": "Key stage 3",
            "slug": "ks3",
            "position": 10,
            "person_types": ["pupil"],
            "year_groups": [7, 8, 9],
        },
    )
    services.group_set_categories(actor=actor, group=pupils, actions={"gambling": "block"})
    services.network_add(actor=actor, group=pupils, cidr="10.1.0.0/16")
    staff = services.group_create(
        actor=actor,
        school=school,
        fields={
            "name": "Staff",
            "slug": "staff",
            "position": 20,
            "person_types": ["teaching_staff", "support_staff"],
            "safe_search": False,
        },
    )
    services.network_add(actor=actor, group=staff, cidr="10.2.0.0/16")
    guests = services.group_create(
        actor=actor,
        school=school,
        fields={"name": "Guests", "slug": "guests", "position": 90, "is_default": True},
    )
    services.group_set_categories(actor=actor, group=guests, actions={"gambling": "block"})
    return {"ks3": pupils, "staff": staff, "guests": guests}


def engine_for(school: School) -> PolicyEngine:
    return PolicyEngine.for_snapshot(read_snapshot(conf.snapshot_path(school.slug)))


def in_hours(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)
