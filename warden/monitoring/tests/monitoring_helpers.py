"""Shared set-up for the monitoring half's tests: pupils with accounts, Squid log lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.models import School
from warden.people.models import Person
from warden.testing.factories import PupilFactory

START = dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)


def pupil_with_account(school: School, username: str, **fields: object) -> Person:
    """A pupil whose active directory account has ``username``."""
    pupil = PupilFactory.create(school=school, **fields)
    system, _ = System.objects.get_or_create(
        school=school, name="Network sign-in", defaults={"kind": SystemKind.DIRECTORY}
    )
    Account.objects.create(
        school=school, person=pupil, system=system, username=username, state=AccountState.ACTIVE
    )
    return pupil


def squid_line(when: dt.datetime, ip: str, url: str, user: str = "-") -> str:
    method = "CONNECT" if "://" not in url else "GET"
    action = "TCP_TUNNEL/200" if method == "CONNECT" else "TCP_MISS/200"
    return (
        f"{when.timestamp():.3f} {15:6d} {ip} {action} 1234 {method} {url} {user} "
        "HIER_DIRECT/93.184.216.34 text/html\n"
    )


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def busy_log(path: Path, searches: list[tuple[str, str, str]], filler: int = 200) -> Path:
    """A log with ordinary traffic around some searches ``(ip, user, query)``, long enough
    to span several small chunks."""
    lines = []
    for n in range(filler):
        when = START + dt.timedelta(seconds=n)
        lines.append(squid_line(when, "10.0.0.9", f"http://www.example.org/page/{n}"))
        if n % 40 == 20 and searches:
            ip, user, query = searches[(n // 40) % len(searches)]
            lines.append(
                squid_line(when, ip, f"https://www.google.com/search?q={query}&n={n}", user)
            )
    return write_log(path, lines)
