"""Acceptance through a real Squid: Warden's database → published snapshot → Squid helper.

Squid (started as in ``warden/engine/tests/test_squid_end_to_end.py``, whose helpers this
reuses) runs ``warden filter-helper --school oakfield`` as its url_rewrite program, so the
management command, the settings it reads and the school's snapshot path are all exercised.
The policy comes from Warden's services: groups told apart by client address (127.0.0.2 the
pupils, 127.0.0.3 the staff), a UT1 folder made of a few real gambling lines, an unblock
request approved by the DSL. Nothing leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.engine.lists import ListBuilder
from warden.engine.tests import test_squid_end_to_end as e2e
from warden.monitoring import conf
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    GAMBLING_DOMAIN,
    in_hours,
    write_gambling_ut1,
)

pytestmark = pytest.mark.django_db
SLUG = "oakfield"  # the ``school`` fixture's slug
BASE_URL = "http://warden.test"
BLOCK_PAGE = f"{BASE_URL}/filtering/blocked/{SLUG}/"
PUPIL = e2e.PUPIL_ADDRESS
STAFF = e2e.STAFF_ADDRESS
GAMBLING_HOST = e2e.GAMBLING_HOST
HARMLESS_HOST = e2e.HARMLESS_HOST


@pytest.fixture(scope="module")
def warden_squid() -> Iterator[e2e.Proxy]:
    e2e.squid_binary()
    workdir = Path(tempfile.mkdtemp(prefix="warden-filtering-squid-"))
    workdir.chmod(0o755)
    origin, origin_thread = e2e.start_origin()
    process = None
    service = ""
    warden_script = Path(sys.executable).parent / "warden"
    assert warden_script.exists(), f"{warden_script} is missing: install the project"
    environment = {
        "WARDEN_VAR_DIR": str(workdir / "var"),
        "WARDEN_FILTER_DIR": str(workdir / "filtering"),
        "WARDEN_BASE_URL": BASE_URL,
        "WARDEN_FILTER_CHECK_INTERVAL": "1",
        "SECRET_KEY": "end-to-end-test-only",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in environment.items():
            patch.setenv(key, value)
        patch.setattr(
            e2e,
            "helper_command",
            lambda snapshot: [str(warden_script), "filter-helper", "--school", SLUG],
        )
        try:
            (workdir / "var").mkdir()
            (workdir / "filtering").mkdir()
            run_as = e2e.choose_run_as(workdir)
            if run_as.effective_user:
                shutil.chown(workdir / "var", run_as.effective_user)
            (workdir / "hosts").write_text(
                f"127.0.0.1 {GAMBLING_HOST} {GAMBLING_DOMAIN} {HARMLESS_HOST}\n"
            )
            process, port, service = e2e.start_squid(workdir, 8, run_as)
            proxy = e2e.Proxy(
                process=process,
                port=port,
                service=service,
                workdir=workdir,
                snapshot=workdir / "filtering" / SLUG / conf.SNAPSHOT_NAME,
                index=ListBuilder().build(),
                origin=origin,
                run_as=run_as,
                concurrency=8,
            )
            yield proxy
        finally:
            if process is not None:
                e2e.stop(process, service)
            origin.shutdown()
            origin.server_close()
            origin_thread.join(timeout=5)
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def squid(warden_squid, settings, school, published, tmp_path) -> e2e.Proxy:
    """Squid with this test's policy published from Warden's database."""
    settings.WARDEN_FILTER_DIR = str(warden_squid.workdir / "filtering")
    settings.WARDEN_BASE_URL = BASE_URL
    ut1 = write_gambling_ut1(tmp_path / "ut1")
    with published():
        pupils = services.group_create(
            actor=None,
            school=school,
            fields={
                "name": "Key stage 3",
                "slug": "ks3",
                "position": 10,
                "person_types": ["pupil"],
            },
        )
        services.group_set_categories(actor=None, group=pupils, actions={"gambling": "block"})
        services.network_add(actor=None, group=pupils, cidr=f"{PUPIL}/32")
        staff = services.group_create(
            actor=None,
            school=school,
            fields={"name": "Staff", "slug": "staff", "position": 20, "safe_search": False},
        )
        services.network_add(actor=None, group=staff, cidr=f"{STAFF}/32")
        services.group_create(
            actor=None,
            school=school,
            fields={"name": "Guests", "slug": "guests", "position": 90, "is_default": True},
        )
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1, name="UT1")
    warden_squid.wait_for(
        "Warden's policy in force",
        lambda: _blocked(warden_squid, PUPIL, GAMBLING_HOST, "category=gambling"),
        e2e.STARTUP_TIMEOUT,
    )
    return warden_squid


def _passes(proxy: e2e.Proxy, source: str, host: str) -> e2e.Response | None:
    url = proxy.url(host)
    response = proxy.get(url, source)
    return response if response.status == 200 and proxy.reached_origin(url) else None


def _blocked(proxy: e2e.Proxy, source: str, host: str, marker: str) -> e2e.Response | None:
    response = proxy.get(proxy.url(host), source)
    if (
        response.status == 302
        and response.location.startswith(BLOCK_PAGE)
        and marker in (response.location)
    ):
        return response
    return None


def test_pupil_request_to_a_ut1_gambling_domain_goes_to_wardens_block_page(squid):
    url = squid.url(GAMBLING_HOST)
    response = squid.get(url, PUPIL)
    assert response.status == 302, f"{response}{squid.log_tail()}"
    assert response.location.startswith(BLOCK_PAGE + "?"), response.location
    assert "category=gambling" in response.location
    assert "group=ks3" in response.location
    assert not squid.reached_origin(url)


def test_the_same_request_from_the_staff_group_passes(squid):
    url = squid.url(GAMBLING_HOST)
    response = squid.get(url, STAFF)
    assert response.status == 200, f"{response}{squid.log_tail()}"
    assert squid.reached_origin(url)


def test_an_exception_approved_in_warden_works_within_5_seconds_without_restarting_squid(
    squid, school, teacher, dsl, published
):
    pid = squid.squid_pid()
    request = services.request_create(
        actor=teacher,
        school=school,
        site=GAMBLING_DOMAIN,
        reason="Probability lesson: the odds of poker hands",
        wanted_until=in_hours(1),
    )
    with published():
        services.request_approve(actor=dsl, request=request)
    _, waited = squid.wait_for(
        "the pupil's request passing after the approval",
        lambda: _passes(squid, PUPIL, GAMBLING_HOST),
    )
    assert waited <= e2e.RELOAD_TIMEOUT
    assert squid.process.poll() is None, "squid stopped"
    assert squid.squid_pid() == pid == squid.process.pid, "squid was restarted"


def test_deleting_the_snapshot_makes_the_helper_block_not_allow(squid):
    assert _passes(squid, STAFF, HARMLESS_HOST) is not None
    os.unlink(squid.snapshot)
    response, waited = squid.wait_for(
        "the staff request being blocked for want of a policy",
        lambda: _blocked(squid, STAFF, HARMLESS_HOST, e2e.NO_POLICY),
    )
    assert waited <= e2e.RELOAD_TIMEOUT
    assert response.status == 302
