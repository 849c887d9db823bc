"""Remote-access logs as events: OpenVPN's server log and FreeRADIUS's accounting and
authentication logs (policy duty "Remote connection attempts logged", docs/policy-map.md).

Django-free, like the rest of the engine. Each parser reads bytes from an offset to the last
complete line (or record) and returns the events found, the lines it could not read (with
their offsets, so a caller reports them instead of failing) and the offset it stopped at, so
a caller resumes there next time. Each event carries the offset where its line or record
starts: with the source's identity that gives a deterministic id, so reading a file again
adds nothing.

Formats, as the daemons write them:

- OpenVPN (``openvpn --log`` or syslog): ``<time> [<cn>/]<ip>:<port> <message>``, the time
  as ``2026-12-07 08:15:02`` (2.4 onwards), ``Mon Dec  7 08:15:02 2026`` (earlier), or a
  syslog prefix (``Dec  7 08:15:02 host openvpn[123]:`` or RFC 3339). A connection is the
  ``[<cn>] Peer Connection Initiated with [AF_INET]<ip>:<port>`` line, its VPN address the
  ``MULTI_sva: pool returned IPv4=...`` line after it; a failure is ``TLS Auth Error: Auth
  Username/Password verification failed for peer`` (the user name from an ``AUTH-PAM`` or
  ``authentication failed for username`` line before it), ``VERIFY ERROR: ...: CN=<cn>`` or
  ``TLS Error: TLS handshake failed``; a disconnection is ``SIG...[soft,...] received,
  client-instance exiting``.
- FreeRADIUS ``detail`` files: records separated by a blank line, a header line with the
  time, then tab-indented ``Attribute = value`` lines (``Acct-Status-Type`` Start, Stop or
  Interim-Update). A WireGuard or other gateway that accounts through RADIUS puts the peer's
  endpoint in ``Calling-Station-Id``.
- FreeRADIUS ``radius.log``: ``<time> : Auth: (<n>) Login OK: [<user>] (from client <name>
  port <n> cli <address>)`` and ``Login incorrect (<reason>): [<user>/<password or via>]
  (...)``. Whatever follows the first ``/`` inside the brackets may be a password
  (``auth_badpass = yes``) and is never kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "FORMATS",
    "Event",
    "Kind",
    "Malformed",
    "Parsed",
    "event_id",
    "parse",
    "parse_openvpn",
    "parse_radius_detail",
    "parse_radius_log",
]


class Kind(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    UPDATE = "update"


@dataclass(slots=True)
class Event:
    ts: dt.datetime
    kind: Kind
    offset: int
    username: str = ""
    remote_address: str = ""
    vpn_address: str = ""
    gateway: str = ""
    bytes_in: int | None = None
    bytes_out: int | None = None
    session_seconds: int | None = None
    reason: str = ""


@dataclass(slots=True)
class Malformed:
    offset: int
    line: str
    problem: str


@dataclass(slots=True)
class Parsed:
    events: list[Event] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    end: int = 0
    """The offset just past the last complete line or record read."""


def event_id(source_id: str, offset: int) -> str:
    """The id of the event at ``offset`` of the source whose identity is ``source_id``."""
    return hashlib.sha256(f"remote-access\0{source_id}\0{offset}".encode()).hexdigest()[:40]


# -- times -----------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.\d+)?")
_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\s+")
_CTIME = re.compile(r"(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})")
_SYSLOG = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) ")
_MICROS = re.compile(r"us=\d+ ")


def _local(zone: ZoneInfo, parts: tuple[int, int, int, int, int, int]) -> dt.datetime:
    """A wall-clock time in ``zone`` as UTC (ValueError for a date that does not exist)."""
    year, month, day, hour, minute, second = parts
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class _Clock:
    zone: ZoneInfo
    year: int

    def leading(self, text: str) -> tuple[dt.datetime, str, str] | None:
        """The time at the start of ``text``, the rest, and the syslog host if any; None
        when the line starts with no time, or with one that does not exist."""
        try:
            return self._leading(text)
        except ValueError:
            return None

    def _leading(self, text: str) -> tuple[dt.datetime, str, str] | None:
        if m := _RFC3339.match(text):
            when = dt.datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
            return when.astimezone(dt.UTC), *_after_syslog(text[m.end() :], with_host=True)
        if m := _ISO.match(text):
            y, mo, d, h, mi, s = (int(g) for g in m.groups())
            return _local(self.zone, (y, mo, d, h, mi, s)), text[m.end() :].lstrip(), ""
        if (m := _CTIME.match(text)) and m.group(1) in _MONTHS:
            g = m.groups()
            parts = (int(g[5]), _MONTHS[g[0]], int(g[1]), int(g[2]), int(g[3]), int(g[4]))
            when = _local(self.zone, parts)
            return when, text[m.end() :].lstrip(), ""
        if (m := _SYSLOG.match(text)) and m.group(1) in _MONTHS:
            g = m.groups()
            parts = (self.year, _MONTHS[g[0]], int(g[1]), int(g[2]), int(g[3]), int(g[4]))
            when = _local(self.zone, parts)
            return when, *_after_syslog(text[m.end() :], with_host=True)
        return None


_SYSLOG_TAG = re.compile(r"(\S+) [\w./-]+(?:\[\d+\])?: ")


def _after_syslog(rest: str, *, with_host: bool) -> tuple[str, str]:
    if with_host and (m := _SYSLOG_TAG.match(rest)):
        return rest[m.end() :], m.group(1)
    return rest, ""


# -- lines -----------------------------------------------------------------------------


def _lines(data: bytes, start: int) -> tuple[list[tuple[int, str]], int]:
    """Complete lines of ``data`` (read from ``start``) with their absolute offsets."""
    out: list[tuple[int, str]] = []
    position = 0
    while True:
        newline = data.find(b"\n", position)
        if newline < 0:
            return out, start + position
        raw = data[position:newline].rstrip(b"\r")
        out.append((start + position, raw.decode("utf-8", "replace")))
        position = newline + 1


# -- OpenVPN ---------------------------------------------------------------------------

_PEER = r"(?:\[AF_INET6?\])?(?P<ip>[0-9A-Fa-f.:]+?):(?P<port>\d+)"
_PREFIX = re.compile(rf"(?:(?P<cn>[^\s/]+)/)?{_PEER} ")
_OK = re.compile(
    r"TLS: Username/(?:Password|auth-token) authentication succeeded for username '(.*?)'"
)
_USER_FAILED = re.compile(
    r"(?:AUTH-PAM: BACKGROUND: user '(.*?)' failed to authenticate"
    r"|TLS: Username/(?:Password|auth-token) authentication failed for username '(.*?)')"
)
_AUTH_ERROR = "TLS Auth Error: Auth Username/Password verification failed for peer"
_VERIFY = re.compile(r"VERIFY ERROR: depth=\d+, error=(.*?)(?:: (?:.*?)CN=([^,/\s]+).*)?$")
_HANDSHAKE = "TLS Error: TLS handshake failed"
_INITIATED = re.compile(rf"(?:\[(?P<cn>[^\]]*)\] )?Peer Connection Initiated with {_PEER}")
_POOL = re.compile(r"MULTI_sva: pool returned IPv4=([0-9.]+)")
_PRIMARY = re.compile(r"MULTI: primary virtual IP for \S+: ([0-9.]+)")
_EXIT = re.compile(r"(SIG\w+)\[(\w+),([\w-]+)\] received, client-instance (exiting|restarting)")
_AUTH_FAILED_SENT = re.compile(r"SENT CONTROL \[.*?\]: 'AUTH_FAILED")
# A follow-up line (the handshake failing, AUTH_FAILED sent) within this many seconds of a
# failure from the same peer belongs to that attempt. The refusal itself (a wrong password, a
# refused certificate) is always a new attempt, so a client retrying from the same port is
# counted each time.
SAME_ATTEMPT = dt.timedelta(seconds=60)


def _failure(
    parsed: Parsed,
    failed_at: dict[str, dt.datetime],
    users: dict[str, str],
    peer: str,
    event: Event,
    *,
    follow_up: bool,
) -> None:
    """Record a failed attempt, unless it is a follow-up line of one already recorded."""
    last = failed_at.get(peer)
    failed_at[peer] = event.ts
    if follow_up and last is not None and event.ts - last <= SAME_ATTEMPT:
        return
    event.username = event.username or users.get(peer, "")
    parsed.events.append(event)


def parse_openvpn(
    data: bytes, *, start: int = 0, zone: ZoneInfo, year: int, gateway: str = ""
) -> Parsed:
    """Events of an OpenVPN server log. ``year`` dates syslog lines, which carry none."""
    clock = _Clock(zone, year)
    lines, end = _lines(data, start)
    parsed = Parsed(end=end)
    users: dict[str, str] = {}  # peer -> user name from an authentication line
    pending: dict[str, Event] = {}  # peer -> connection waiting for its VPN address
    failed_at: dict[str, dt.datetime] = {}  # peer -> last failure
    for offset, line in lines:
        if not line.strip():
            continue
        found = clock.leading(line)
        if found is None:
            parsed.malformed.append(Malformed(offset, line, "no time at the start of the line"))
            continue
        ts, rest, host = found
        rest = _MICROS.sub("", rest, count=1) if rest.startswith("us=") else rest
        peer, cn, ip = "", "", ""
        if m := _PREFIX.match(rest):
            ip, cn = m["ip"], m["cn"] or ""
            peer = f"{ip}:{m['port']}"
            rest = rest[m.end() :]
        where = host or gateway

        # (reason, user name, whether it follows a refusal) of a failure line
        failed: tuple[str, str, bool] | None = None
        if m := _OK.search(rest):
            users[peer] = m.group(1)
            failed_at.pop(peer, None)
        elif m := _USER_FAILED.search(rest):
            users[peer] = m.group(1) or m.group(2) or ""
        elif _AUTH_ERROR in rest:
            failed = ("Wrong user name or password", "", False)
        elif m := _VERIFY.search(rest):
            failed = (f"Certificate refused: {m.group(1)}", m.group(2) or "", False)
        elif _HANDSHAKE in rest:
            failed = ("TLS handshake failed", "", True)
        elif _AUTH_FAILED_SENT.search(rest):
            failed = ("Authentication failed", cn, True)
        elif m := _INITIATED.search(rest):
            if m["cn"] is None or peer in failed_at:
                continue  # the handshake of a refused attempt completes too
            name = users.get(peer) or m["cn"]
            event = Event(ts, Kind.CONNECTED, offset, name, m["ip"], "", where)
            parsed.events.append(event)
            pending[peer] = event
        elif (m := _POOL.search(rest) or _PRIMARY.search(rest)) and peer in pending:
            pending.pop(peer).vpn_address = m.group(1)
        elif m := _EXIT.search(rest):
            if m.group(4) != "exiting" and m.group(3) != "remote-exit":
                continue
            if not cn and peer not in users:
                continue  # a refused attempt's instance ending, already counted
            pending.pop(peer, None)
            parsed.events.append(
                Event(
                    ts,
                    Kind.DISCONNECTED,
                    offset,
                    users.pop(peer, cn),
                    ip,
                    "",
                    where,
                    reason=f"{m.group(1)} ({m.group(3)})",
                )
            )
        if failed is not None:
            reason, username, follow_up = failed
            event = Event(ts, Kind.FAILED, offset, username, ip, "", where, reason=reason)
            _failure(parsed, failed_at, users, peer, event, follow_up=follow_up)
    return parsed


# -- FreeRADIUS ------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"\s+([A-Za-z0-9-]+) = (.*)$")
_EVENT_TIME = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d{4}) (\d\d):(\d\d):(\d\d) (\w+)")
_STATUS = {"Start": Kind.CONNECTED, "Stop": Kind.DISCONNECTED, "Interim-Update": Kind.UPDATE}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _octets(attrs: dict[str, str], name: str) -> int | None:
    low = _int(attrs.get(f"Acct-{name}-Octets"))
    high = _int(attrs.get(f"Acct-{name}-Gigawords")) or 0
    return None if low is None else (high << 32) + low


def _event_time(attrs: dict[str, str], header: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """When the gateway says it happened, else when FreeRADIUS wrote the record."""
    stamp = _unquote(attrs.get("Event-Timestamp", ""))
    if stamp.isdigit():
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    if (m := _EVENT_TIME.match(stamp)) and m.group(1) in _MONTHS:
        g = m.groups()
        parts = (int(g[2]), _MONTHS[g[0]], int(g[1]), int(g[3]), int(g[4]), int(g[5]))
        abbreviation = g[6]
        # FreeRADIUS writes the zone's abbreviation; anything but UTC is the school's.
        try:
            return _local(ZoneInfo("UTC") if abbreviation in {"UTC", "GMT"} else zone, parts)
        except ValueError:
            pass
    written = _int(attrs.get("Timestamp"))
    return dt.datetime.fromtimestamp(written, dt.UTC) if written is not None else header


def parse_radius_detail(
    data: bytes, *, start: int = 0, zone: ZoneInfo, year: int, gateway: str = ""
) -> Parsed:
    """Accounting records of a FreeRADIUS ``detail`` file. A record is read once the blank
    line after it is written, so a record still being written waits for the next run."""
    clock = _Clock(zone, year)
    lines, _ = _lines(data, start)
    parsed = Parsed(end=start)
    record: list[tuple[int, str]] = []
    for offset, line in [*lines, (-1, "")]:
        if line.strip():
            record.append((offset, line))
            continue
        if offset < 0 and record:
            break  # the last record has no blank line after it yet
        if record:
            _detail_record(record, clock, gateway, parsed)
            record = []
        if offset >= 0:
            parsed.end = offset + len(line.encode()) + 1
    return parsed


def _detail_record(
    record: list[tuple[int, str]], clock: _Clock, gateway: str, parsed: Parsed
) -> None:
    offset, header = record[0]
    found = clock.leading(header.strip())
    if found is None:
        parsed.malformed.append(
            Malformed(offset, header, "a record that does not start with a time")
        )
        return
    attrs: dict[str, str] = {}
    for line_offset, line in record[1:]:
        if m := _ATTRIBUTE.match(line):
            attrs[m.group(1)] = m.group(2)
        else:
            parsed.malformed.append(Malformed(line_offset, line, "not “Attribute = value”"))
    status = _unquote(attrs.get("Acct-Status-Type", ""))
    if status not in _STATUS:
        if not status:
            parsed.malformed.append(Malformed(offset, header, "a record with no Acct-Status-Type"))
        return  # Accounting-On/Off: the gateway restarting, nobody's session
    nas = _unquote(attrs.get("NAS-Identifier", "")) or _unquote(attrs.get("NAS-IP-Address", ""))
    cause = _unquote(attrs.get("Acct-Terminate-Cause", ""))
    parsed.events.append(
        Event(
            ts=_event_time(attrs, found[0], clock.zone),
            kind=_STATUS[status],
            offset=offset,
            username=_unquote(attrs.get("User-Name", "")),
            remote_address=_endpoint_address(_unquote(attrs.get("Calling-Station-Id", ""))),
            vpn_address=_unquote(attrs.get("Framed-IP-Address", "")),
            gateway=nas or gateway,
            bytes_in=_octets(attrs, "Input"),
            bytes_out=_octets(attrs, "Output"),
            session_seconds=_int(attrs.get("Acct-Session-Time")),
            reason=cause,
        )
    )


_IPV4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):\d+$")
_IPV6_PORT = re.compile(r"^\[([0-9A-Fa-f:.]+)\]:\d+$")


def _endpoint_address(value: str) -> str:
    """An address from a Calling-Station-Id, which a WireGuard gateway may give with the
    peer's port (``203.0.113.9:51820``, ``[2001:db8::9]:51820``)."""
    if m := _IPV4_PORT.match(value) or _IPV6_PORT.match(value):
        return m.group(1)
    return value


_AUTH = re.compile(
    r"Auth: (?:\(\d+\) )?(?P<what>Login OK|Login incorrect|Invalid user)(?: \((?P<why>.*?)\))?: "
    r"\[(?P<user>.*?)\] \(from client (?P<client>\S+) port \S+(?: cli (?P<cli>[^\s)]+))?"
)


def parse_radius_log(
    data: bytes, *, start: int = 0, zone: ZoneInfo, year: int, gateway: str = ""
) -> Parsed:
    """Authentication results of FreeRADIUS's ``radius.log`` (``auth = yes`` in its ``log``
    section). Other lines (start-up, warnings) are neither events nor malformed."""
    clock = _Clock(zone, year)
    lines, end = _lines(data, start)
    parsed = Parsed(end=end)
    for offset, line in lines:
        if not line.strip():
            continue
        found = clock.leading(line)
        if found is None:
            parsed.malformed.append(Malformed(offset, line, "no time at the start of the line"))
            continue
        ts, rest, _host = found
        m = _AUTH.search(rest)
        if m is None:
            if "Auth:" in rest and ("Login" in rest or "Invalid user" in rest):
                parsed.malformed.append(Malformed(offset, line, "an Auth line not understood"))
            continue
        # Anything after the first "/" may be the password someone typed: never keep it.
        username = m["user"].split("/", 1)[0]
        ok = m["what"] == "Login OK"
        parsed.events.append(
            Event(
                ts,
                Kind.CONNECTED if ok else Kind.FAILED,
                offset,
                username,
                _endpoint_address(m["cli"] or ""),
                "",
                m["client"] or gateway,
                reason="" if ok else (m["why"] or m["what"]),
            )
        )
    return parsed


Parser = Callable[..., Parsed]
FORMATS: dict[str, Parser] = {
    "openvpn": parse_openvpn,
    "radius-detail": parse_radius_detail,
    "radius-log": parse_radius_log,
}


def parse(
    fmt: str, data: bytes, *, start: int = 0, zone: ZoneInfo, year: int, gateway: str = ""
) -> Parsed:
    """Events of ``data`` (the bytes of a source from ``start``) in format ``fmt``."""
    try:
        parser = FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ValueError(f"Unknown remote-access log format “{fmt}” (known: {known}).") from None
    return parser(data, start=start, zone=zone, year=year, gateway=gateway)
