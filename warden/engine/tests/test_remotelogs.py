"""Remote-access log parsers against lines as OpenVPN and FreeRADIUS write them."""

# ruff: noqa: E501 - log lines are quoted whole, as the daemons write them

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from warden.engine.remotelogs import Kind, event_id, parse

LONDON = ZoneInfo("Europe/London")

OPENVPN = b"""\
2026-12-07 08:15:01 203.0.113.9:51812 VERIFY OK: depth=0, CN=jsmith
2026-12-07 08:15:02 203.0.113.9:51812 TLS: Username/Password authentication succeeded for username 'jsmith' [CN SET]
2026-12-07 08:15:02 203.0.113.9:51812 [jsmith] Peer Connection Initiated with [AF_INET]203.0.113.9:51812
2026-12-07 08:15:02 jsmith/203.0.113.9:51812 MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)
2026-12-07 08:15:02 jsmith/203.0.113.9:51812 MULTI: Learn: 10.8.0.6 -> jsmith/203.0.113.9:51812
2026-12-07 08:20:11 198.51.100.7:40001 AUTH-PAM: BACKGROUND: user 'admin' failed to authenticate: Authentication failure
2026-12-07 08:20:11 198.51.100.7:40001 PLUGIN_CALL: plugin function PLUGIN_AUTH_USER_PASS_VERIFY failed with status 1: /usr/lib/openvpn/openvpn-plugin-auth-pam.so
2026-12-07 08:20:11 198.51.100.7:40001 TLS Auth Error: Auth Username/Password verification failed for peer
2026-12-07 08:20:11 198.51.100.7:40001 Peer Connection Initiated with [AF_INET]198.51.100.7:40001
2026-12-07 08:20:13 198.51.100.7:40001 SENT CONTROL [UNDEF]: 'AUTH_FAILED' (status=1)
2026-12-07 08:21:40 192.0.2.50:1194 VERIFY ERROR: depth=0, error=certificate has expired: CN=old-laptop, serial=4
2026-12-07 08:21:40 192.0.2.50:1194 TLS Error: TLS handshake failed
2026-12-07 08:22:00 192.0.2.77:5000 TLS Error: TLS handshake failed
this line has no time
2026-12-07 09:40:00 jsmith/203.0.113.9:51812 SIGTERM[soft,remote-exit] received, client-instance exiting
"""


def test_an_openvpn_session_and_its_failures_become_events():
    parsed = parse("openvpn", OPENVPN, zone=LONDON, year=2026, gateway="openvpn.log")
    kinds = [(e.kind, e.username, e.remote_address) for e in parsed.events]
    assert kinds == [
        (Kind.CONNECTED, "jsmith", "203.0.113.9"),
        (Kind.FAILED, "admin", "198.51.100.7"),
        (Kind.FAILED, "old-laptop", "192.0.2.50"),
        (Kind.FAILED, "", "192.0.2.77"),
        (Kind.DISCONNECTED, "jsmith", "203.0.113.9"),
    ]
    connected, refused, expired, handshake, gone = parsed.events
    assert connected.vpn_address == "10.8.0.6"
    # December in London is GMT: 08:15 local is 08:15 UTC.
    assert connected.ts == dt.datetime(2026, 12, 7, 8, 15, 2, tzinfo=dt.UTC)
    assert connected.gateway == "openvpn.log"
    assert refused.reason == "Wrong user name or password"
    assert "certificate has expired" in expired.reason
    assert handshake.reason == "TLS handshake failed"
    assert gone.reason == "SIGTERM (remote-exit)"


def test_a_malformed_line_is_reported_with_its_offset_not_fatal():
    parsed = parse("openvpn", OPENVPN, zone=LONDON, year=2026)
    (bad,) = parsed.malformed
    assert bad.line == "this line has no time"
    assert OPENVPN[bad.offset :].startswith(b"this line has no time")


def test_summer_times_are_read_in_the_schools_zone():
    line = b"2026-07-01 09:00:00 203.0.113.9:1 [jsmith] Peer Connection Initiated with [AF_INET]203.0.113.9:1\n"
    (event,) = parse("openvpn", line, zone=LONDON, year=2026).events
    assert event.ts == dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)


def test_older_and_syslog_time_stamps_are_read():
    older = b"Mon Dec  7 08:15:02 2026 us=821834 203.0.113.9:51812 [jsmith] Peer Connection Initiated with [AF_INET]203.0.113.9:51812\n"
    syslog = b"Dec  7 08:15:02 vpn1 ovpn-server[2647]: 203.0.113.9:51812 TLS Error: TLS handshake failed\n"
    (a,) = parse("openvpn", older, zone=LONDON, year=2026).events
    (b,) = parse("openvpn", syslog, zone=LONDON, year=2026).events
    assert a.ts == b.ts == dt.datetime(2026, 12, 7, 8, 15, 2, tzinfo=dt.UTC)
    assert b.gateway == "vpn1" and b.kind == Kind.FAILED


def test_reading_stops_at_the_last_complete_line_and_resumes_there():
    first = OPENVPN[:300]
    parsed = parse("openvpn", first, zone=LONDON, year=2026)
    assert parsed.end == first.rfind(b"\n") + 1
    rest = parse("openvpn", OPENVPN[parsed.end :], start=parsed.end, zone=LONDON, year=2026)
    whole = parse("openvpn", OPENVPN, zone=LONDON, year=2026)
    offsets = [e.offset for e in whole.events]
    # The connection's address line fell after the cut: the event still comes, without it.
    assert [e.offset for e in parsed.events + rest.events] == offsets


RADIUS_LOG = b"""\
Mon Dec  7 15:42:50 2026 : Info: Ready to process requests
Mon Dec  7 15:42:50 2026 : Auth: (0) Login OK: [jsmith] (from client vpn port 0 cli 203.0.113.9)
Mon Dec  7 15:42:51 2026 : Auth: (1) Login incorrect (pap: Cleartext password does not match "known good" password): [jsmith] (from client vpn port 0 cli 203.0.113.9)
Mon Dec  7 15:42:52 2026 : Auth: (2) Login incorrect (pap: Authentication failed): [admin/hunter2] (from client vpn port 0 cli 198.51.100.7)
Mon Dec  7 15:42:53 2026 : Auth: (3) Login garbled
"""


def test_freeradius_logins_and_refusals_and_passwords_are_never_kept():
    parsed = parse("radius-log", RADIUS_LOG, zone=LONDON, year=2026)
    assert [(e.kind, e.username, e.remote_address) for e in parsed.events] == [
        (Kind.CONNECTED, "jsmith", "203.0.113.9"),
        (Kind.FAILED, "jsmith", "203.0.113.9"),
        (Kind.FAILED, "admin", "198.51.100.7"),
    ]
    assert all("hunter2" not in repr(e) for e in parsed.events)
    assert parsed.events[1].reason.startswith("pap: Cleartext password does not match")
    assert parsed.events[0].gateway == "vpn"
    assert [m.problem for m in parsed.malformed] == ["an Auth line not understood"]


DETAIL = b"""\
Mon Dec  7 15:42:51 2026
\tUser-Name = "jsmith"
\tAcct-Status-Type = Start
\tAcct-Session-Id = "abc1"
\tFramed-IP-Address = 10.8.0.6
\tCalling-Station-Id = "203.0.113.9:51820"
\tNAS-IP-Address = 192.0.2.1
\tNAS-Identifier = "wg0"
\tEvent-Timestamp = "Dec  7 2026 15:42:51 UTC"
\tTimestamp = 1796658171

Mon Dec  7 16:42:51 2026
\tUser-Name = "jsmith"
\tAcct-Status-Type = Stop
\tFramed-IP-Address = 10.8.0.6
\tCalling-Station-Id = "203.0.113.9:51820"
\tNAS-IP-Address = 192.0.2.1
\tAcct-Session-Time = 3600
\tAcct-Input-Octets = 1000
\tAcct-Input-Gigawords = 1
\tAcct-Output-Octets = 2000
\tAcct-Terminate-Cause = User-Request
\tTimestamp = 1796661771

Mon Dec  7 16:50:00 2026
\tUser-Name = "jsmith"
\tAcct-Status-Type = Interim-Update
"""


def test_freeradius_detail_records_become_sessions_with_their_traffic():
    parsed = parse("radius-detail", DETAIL, zone=LONDON, year=2026, gateway="detail-20261207")
    start, stop = parsed.events
    assert (start.kind, stop.kind) == (Kind.CONNECTED, Kind.DISCONNECTED)
    assert start.remote_address == "203.0.113.9"  # the WireGuard endpoint without its port
    assert start.vpn_address == "10.8.0.6" and start.gateway == "wg0"
    assert start.ts == dt.datetime(2026, 12, 7, 15, 42, 51, tzinfo=dt.UTC)
    assert stop.bytes_in == (1 << 32) + 1000 and stop.bytes_out == 2000
    assert stop.session_seconds == 3600 and stop.reason == "User-Request"
    assert stop.gateway == "192.0.2.1"
    # The last record has no blank line after it yet: it waits for the next run.
    assert parsed.end == DETAIL.index(b"Mon Dec  7 16:50:00")


def test_a_detail_record_without_a_time_or_status_is_reported():
    data = b"garbage\n\tUser-Name = x\n\nMon Dec  7 15:42:51 2026\n\tUser-Name = x\n\n"
    parsed = parse("radius-detail", data, zone=LONDON, year=2026)
    assert not parsed.events
    assert [m.problem for m in parsed.malformed] == [
        "a record that does not start with a time",
        "a record with no Acct-Status-Type",
    ]


def test_event_ids_depend_on_the_source_and_the_offset_only():
    assert event_id("a", 10) == event_id("a", 10)
    assert len({event_id("a", 10), event_id("a", 11), event_id("b", 10)}) == 3


def test_an_unknown_format_says_which_are_known():
    with pytest.raises(ValueError, match="openvpn, radius-detail, radius-log"):
        parse("ipsec", b"", zone=LONDON, year=2026)


def test_a_date_that_does_not_exist_is_a_malformed_line():
    line = b"2026-02-30 08:00:00 203.0.113.9:1 TLS Error: TLS handshake failed\n"
    parsed = parse("openvpn", line, zone=LONDON, year=2026)
    assert not parsed.events and parsed.malformed[0].problem == "no time at the start of the line"


def test_a_client_retrying_from_the_same_port_is_counted_each_time():
    lines = b"".join(
        b"2026-12-07 08:20:%02d 198.51.100.7:40001 TLS Auth Error: Auth Username/Password verification failed for peer\n"
        b"2026-12-07 08:20:%02d 198.51.100.7:40001 SENT CONTROL [UNDEF]: 'AUTH_FAILED' (status=1)\n"
        % (n, n)
        for n in range(0, 30, 5)
    )
    parsed = parse("openvpn", lines, zone=LONDON, year=2026)
    assert [e.kind for e in parsed.events] == [Kind.FAILED] * 6


def test_rfc3339_syslog_lines_and_ipv6_wireguard_endpoints_are_read():
    syslog = b"2026-12-07T08:15:02.123+00:00 vpn1 openvpn[4521]: 203.0.113.9:51812 TLS Error: TLS handshake failed\n"
    (event,) = parse("openvpn", syslog, zone=LONDON, year=2026).events
    assert event.ts == dt.datetime(2026, 12, 7, 8, 15, 2, 123000, tzinfo=dt.UTC)
    assert event.gateway == "vpn1"
    record = (
        b'Mon Dec  7 15:42:51 2026\n\tUser-Name = "jsmith"\n\tAcct-Status-Type = Start\n'
        b'\tCalling-Station-Id = "[2001:db8::9]:51820"\n\n'
    )
    (start,) = parse("radius-detail", record, zone=LONDON, year=2026).events
    assert start.remote_address == "2001:db8::9"
