"""Publishing: the snapshot and its separate lists file, commands, status, demo."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from warden.cli import main as warden
from warden.engine.snapshot import read_snapshot
from warden.monitoring import conf
from warden.monitoring.demo import load_filter_groups
from warden.monitoring.models.filtering import FilterGroup, FilterSnapshot
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    GAMBLING_DOMAIN,
    engine_for,
    make_groups,
)

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]


def test_group_change_rewrites_the_header_but_not_the_lists(
    school, filtering_dir, ut1_dir, published
):
    with published():
        groups = make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    state = FilterSnapshot.objects.get(school=school)
    lists_file = filtering_dir / school.slug / state.lists_file
    before = lists_file.stat().st_mtime_ns
    snapshot_file = conf.snapshot_path(school.slug)
    header_before = snapshot_file.read_bytes()
    with published():
        services.group_update(actor=None, group=groups["staff"], fields={"safe_search": True})
    state.refresh_from_db()
    assert (filtering_dir / school.slug / state.lists_file) == lists_file
    assert lists_file.stat().st_mtime_ns == before
    assert snapshot_file.read_bytes() != header_before
    assert read_snapshot(snapshot_file).groups["staff"].safe_search


def test_no_groups_publishes_a_policy_that_blocks_everything(school, filtering_dir):
    result = services.snapshot_publish(school=school, reason="first")
    decision = engine_for(school).decide("http://www.bbc.co.uk/", client_ip="10.0.0.1")
    assert decision.blocked
    assert result.counts["groups"] == 0


def test_filter_snapshot_command_publishes(school, filtering_dir, capsys):
    make_groups(school)
    warden(["filter-snapshot", "--school", school.slug])
    assert "groups 3" in capsys.readouterr().out
    assert conf.snapshot_path(school.slug).exists()


def test_snapshot_page_shows_status_and_ict_manager_publishes(
    school, ict_manager, governor, client_for, filtering_dir
):
    make_groups(school)
    client = client_for(ict_manager)
    assert (
        b"No policy has been published" in client.get(reverse("monitoring:filter_snapshot")).content
    )
    response = client.post(reverse("monitoring:filter_snapshot"))
    assert response.status_code == 302
    page = client.get(reverse("monitoring:filter_snapshot")).content.decode()
    assert "present" in page
    dashboard = client.get(reverse("core:dashboard")).content.decode()
    assert "Web filtering" in dashboard
    assert "unblock requests waiting" in dashboard
    assert client_for(governor).post(reverse("monitoring:filter_snapshot")).status_code == 403


def test_filter_helper_command_answers_squid_lines_from_the_schools_snapshot(
    school, filtering_dir, ut1_dir, published, tmp_path
):
    with published():
        make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    env = dict(os.environ)
    env["WARDEN_FILTER_DIR"] = str(filtering_dir)
    env["WARDEN_BASE_URL"] = "http://warden.test"
    env["WARDEN_VAR_DIR"] = str(tmp_path / "var")
    env["SECRET_KEY"] = "test-only"
    env["PYTHONPATH"] = str(REPO)
    lines = (
        f"http://www.{GAMBLING_DOMAIN}/ 10.1.0.3/- - GET\n"
        f"7 http://www.{GAMBLING_DOMAIN}/ 10.2.0.3/- - GET\n"
    )
    command = [sys.executable, "-m", "warden.cli", "filter-helper", "--school", school.slug]
    result = subprocess.run(  # noqa: S603 - fixed arguments
        command,
        input=lines.encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    answers = result.stdout.decode().splitlines()
    assert result.returncode == 0, result.stderr.decode()
    assert answers[0].startswith('OK status=302 url="http://warden.test/filtering/blocked/')
    assert "category=gambling" in answers[0]
    assert answers[1] == "7 ERR"
    acl_lines = (
        f"10.1.0.3 - http://www.{GAMBLING_DOMAIN}/\n10.2.0.3 - http://www.{GAMBLING_DOMAIN}/\n"
    )
    acl = subprocess.run(  # noqa: S603 - fixed arguments
        [*command, "--mode", "acl"],
        input=acl_lines.encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    blocked, allowed = acl.stdout.decode().splitlines()
    assert blocked.startswith("ERR") and "tag=gambling" in blocked
    assert allowed.startswith("OK")


def test_the_command_passes_squid_concurrency_to_the_helper(
    school, filtering_dir, ut1_dir, published, tmp_path
):
    """An external-ACL format that starts with the user name (a pupil number is all digits)
    needs Squid's concurrency= to tell a channel ID from the first field."""
    with published():
        make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    env = dict(os.environ)
    env.update(
        WARDEN_FILTER_DIR=str(filtering_dir),
        WARDEN_BASE_URL="http://warden.test",
        WARDEN_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="test-only",
        PYTHONPATH=str(REPO),
    )
    command = [
        sys.executable, "-m", "warden.cli", "filter-helper", "--school", school.slug,
        "--mode", "acl", "--acl-format", "%un %>a %URI", "--concurrency", "10",
    ]  # fmt: skip
    result = subprocess.run(  # noqa: S603 - fixed arguments
        command,
        input=f"4 20417 10.1.0.3 http://www.{GAMBLING_DOMAIN}/\n".encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith("4 ERR")


def test_demo_loader_creates_the_standard_groups_once(school, filtering_dir):
    school.phase = "secondary"
    school.save()
    first = load_filter_groups(school=school, today=dt.date.today(), seed=1)
    assert first["filter groups"] == 6
    slugs = list(FilterGroup.objects.filter(school=school).values_list("slug", flat=True))
    assert slugs == ["ks3", "ks4", "sixth-form", "staff", "guests", "no-internet"]
    again = load_filter_groups(school=school, today=dt.date.today(), seed=1)
    assert again == {"filter groups": 0, "filter lists": 0, "filter entries": 0}
    services.snapshot_publish(school=school, reason="demo")
    snapshot = read_snapshot(conf.snapshot_path(school.slug))
    assert snapshot.default_group == "guests"
    assert "gambling" in snapshot.groups["ks3"].block


def test_filter_helper_fails_open_only_when_the_setting_says_so(school, filtering_dir, tmp_path):
    env = dict(os.environ)
    env.update(
        WARDEN_FILTER_DIR=str(filtering_dir),
        WARDEN_VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="test-only",
        PYTHONPATH=str(REPO),
    )
    command = [sys.executable, "-m", "warden.cli", "filter-helper", "--school", school.slug]
    line = b"http://www.bbc.co.uk/ 10.2.0.3/- - GET\n"
    closed = subprocess.run(  # noqa: S603 - fixed arguments
        command, input=line, capture_output=True, env=env, timeout=60, check=False
    )
    assert closed.stdout.decode().startswith("OK status=302"), closed.stderr.decode()
    assert "no%20valid%20policy" in closed.stdout.decode()
    env["WARDEN_FILTER_FAIL_OPEN"] = "1"
    opened = subprocess.run(  # noqa: S603 - fixed arguments
        command, input=line, capture_output=True, env=env, timeout=60, check=False
    )
    assert opened.stdout.decode().strip() == "ERR", opened.stderr.decode()
