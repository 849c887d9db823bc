"""Log lines for the tests, in the formats the daemons write (see warden/engine/remotelogs.py)."""

from __future__ import annotations

import datetime as dt


def openvpn_session(at: dt.datetime, user: str = "jsmith", ip: str = "203.0.113.9") -> str:
    t = f"{at:%Y-%m-%d %H:%M:%S}"
    peer = f"{ip}:51812"
    return (
        f"{t} {peer} TLS: Username/Password authentication succeeded for username '{user}' \n"
        f"{t} {peer} [{user}] Peer Connection Initiated with [AF_INET]{peer}\n"
        f"{t} {user}/{peer} MULTI_sva: pool returned IPv4=10.8.0.6, IPv6=(Not enabled)\n"
    )


def openvpn_failures(
    start: dt.datetime, count: int, user: str = "jsmith", ip: str = "198.51.100.7", every: int = 10
) -> str:
    """``count`` refused logins ``every`` seconds apart, each from a new source port."""
    lines = []
    for n in range(count):
        t = f"{start + dt.timedelta(seconds=every * n):%Y-%m-%d %H:%M:%S}"
        peer = f"{ip}:{40000 + n}"
        lines += [
            f"{t} {peer} AUTH-PAM: BACKGROUND: user '{user}' failed to authenticate: "
            "Authentication failure",
            f"{t} {peer} TLS Auth Error: Auth Username/Password verification failed for peer",
            f"{t} {peer} Peer Connection Initiated with [AF_INET]{peer}",
        ]
    return "\n".join(lines) + "\n"
