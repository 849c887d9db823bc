"""A real FreeRADIUS on loopback writes the logs: radclient sends logins and accounting as a
VPN or WireGuard gateway would, and Warden reads radius.log and the detail file it wrote."""

from __future__ import annotations

import pytest

from warden.remoteaccess.models import AlertState, EventKind, RemoteAccessAlert, RemoteAccessEvent
from warden.remoteaccess.services import remote_access_settings_update, remote_logs_ingest
from warden.remoteaccess.tests import radius_server

pytestmark = pytest.mark.django_db

GATEWAY = {"NAS-Identifier": '"wg-gateway"', "Calling-Station-Id": '"198.51.100.7"'}


@pytest.fixture
def radius(tmp_path):
    if not radius_server.available():
        pytest.fail("FreeRADIUS is not installed: run scripts/ensure-test-deps")
    with radius_server.running(tmp_path / "radius", {"jsmith": "right-one"}) as server:
        yield server


def test_logins_and_accounting_from_a_real_freeradius(school, staff_member, ict_manager, radius):
    remote_access_settings_update(
        actor=ict_manager, school=school, burst_failures=3, burst_minutes=5
    )
    assert "Access-Accept" in radius.send(
        "auth", {"User-Name": '"jsmith"', "User-Password": '"right-one"', **GATEWAY}
    )
    for guess in ("a", "b", "c"):
        reply = radius.send(
            "auth", {"User-Name": '"jsmith"', "User-Password": f'"{guess}"', **GATEWAY}
        )
        assert "Access-Reject" in reply
    session = {
        "User-Name": '"jsmith"',
        "Acct-Session-Id": '"wg-1"',
        "Framed-IP-Address": "10.9.0.2",
        "Calling-Station-Id": '"203.0.113.9:51820"',
        "NAS-IP-Address": "192.0.2.1",
    }
    assert "Accounting-Response" in radius.send("acct", {**session, "Acct-Status-Type": "Start"})
    stop = {
        "Acct-Status-Type": "Stop",
        "Acct-Session-Time": "600",
        "Acct-Input-Octets": "5000",
        "Acct-Output-Octets": "7000",
    }
    assert "Accounting-Response" in radius.send("acct", {**session, **stop})

    logins = remote_logs_ingest(
        actor=None, school=school, fmt="radius-log", paths=[radius.radius_log]
    )
    (detail,) = radius.detail_files()
    remote_logs_ingest(actor=None, school=school, fmt="radius-detail", paths=[detail])

    assert logins.files[0].malformed == []
    failed = RemoteAccessEvent.objects.filter(kind=EventKind.FAILED)
    assert failed.count() == 3
    assert {e.person for e in failed} == {staff_member}
    assert {e.remote_address for e in failed} == {"198.51.100.7"}
    assert not any(e.reason == "a" or "right-one" in e.reason for e in failed)
    stopped = RemoteAccessEvent.objects.get(kind=EventKind.DISCONNECTED)
    assert (stopped.remote_address, stopped.vpn_address) == ("203.0.113.9", "10.9.0.2")
    assert (stopped.bytes_in, stopped.bytes_out, stopped.session_seconds) == (5000, 7000, 600)
    assert RemoteAccessEvent.objects.filter(kind=EventKind.CONNECTED).count() == 2
    alert = RemoteAccessAlert.objects.get(username="jsmith")
    assert alert.state == AlertState.OPEN and alert.failed_count == 3
