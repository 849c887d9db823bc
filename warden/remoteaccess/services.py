"""Every write of the remote-access area: reading logs into events, raising and extending
alerts on bursts of failed attempts, acknowledging them, and the burst rule.

Policy duty "Remote connection attempts logged" (docs/policy-map.md): "Remote access to the
school's network is possible where this has been granted ... All connection attempts are
logged." Warden keeps the attempts the
gateways log, names the person behind each user name, and tells the ICT manager when many
fail in a short time for one account or from one address.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.tasks import send_email_on_commit
from warden.engine import remotelogs
from warden.engine.ingest import FINGERPRINT_BYTES, source_identity
from warden.monitoring.ingestion import school_usernames
from warden.remoteaccess import selectors
from warden.remoteaccess.models import (
    AlertState,
    EventKind,
    LogFormat,
    LogSource,
    RemoteAccessAlert,
    RemoteAccessEvent,
    RemoteAccessSettings,
)

# Read a file in pieces of this size, so a large log never sits in memory whole; each piece
# commits with its checkpoint.
CHUNK_BYTES = 4 * 1024 * 1024
# Lines before the checkpoint read again for their context only (see _context_start).
CONTEXT_BYTES = 64 * 1024


@dataclass
class FileReport:
    path: str
    events: int = 0
    new: int = 0
    malformed: list[remotelogs.Malformed] = field(default_factory=list)
    alerts_opened: int = 0
    alerts_extended: int = 0


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def alerts_opened(self) -> int:
        return sum(f.alerts_opened for f in self.files)


def remote_logs_ingest(
    *, actor: User | None, school: School, fmt: str, paths: Sequence[Path]
) -> IngestReport:
    """Read each file from where the last run stopped, store its events for ``school``
    attributed to people by user name, and raise or extend burst alerts. Each piece of a file
    commits with its checkpoint, so a run killed anywhere and run again ends as one clean run
    did; reading a file again adds nothing (each event's id is the file's identity and the
    line's offset)."""
    if fmt not in LogFormat.values:
        known = ", ".join(LogFormat.values)
        raise ServiceError(f"“{fmt}” is not a remote-access log format; use one of: {known}.")
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise ServiceError(f"No such file: {', '.join(missing)}.")
    report = IngestReport()
    names = {name: int(pk) for name, pk in school_usernames(school).items()}
    for path in paths:
        report.files.append(_ingest_file(actor, school, fmt, Path(path), names))
    return report


def _ingest_file(
    actor: User | None, school: School, fmt: str, path: Path, names: dict[str, int]
) -> FileReport:
    report = FileReport(str(path))
    zone = selectors.school_zone(school)
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        key = f"file:{stat.st_dev}:{stat.st_ino}"
        year = dt.datetime.fromtimestamp(stat.st_mtime, zone).year
        while True:
            with transaction.atomic():
                source = _source(school, fmt, key, handle, str(path))
                if source is None:
                    return report
                begin = _context_start(handle, source.offset)
                handle.seek(begin)
                data = handle.read(source.offset - begin + CHUNK_BYTES)
                parsed = remotelogs.parse(
                    fmt, data, start=begin, zone=zone, year=year, gateway=path.name
                )
                _complete_earlier(school, source.source_id, parsed, source.offset)
                if parsed.end <= source.offset:
                    if len(data) - (source.offset - begin) == CHUNK_BYTES:
                        raise ServiceError(
                            f"{path.name}: no end of line or record in {CHUNK_BYTES} bytes "
                            f"from offset {source.offset}; is it a {fmt} log?"
                        )
                    return report
                new = _store(school, fmt, source.source_id, parsed.events, names)
                source.offset = parsed.end
                source.events += len(parsed.events)
                source.malformed += len(parsed.malformed)
                source.path = str(path)
                source.read_at = timezone.now()
                source.save()
                opened, extended = bursts_check(school=school, events=new)
                report.events += len(parsed.events)
                report.new += len(new)
                report.malformed += parsed.malformed
                report.alerts_opened += opened
                report.alerts_extended += extended
                audit_log(
                    actor=actor,
                    action="remote_access.ingested",
                    obj=source,
                    changes={
                        "file": [None, path.name],
                        "format": [None, fmt],
                        "events": [None, len(new)],
                        "malformed": [None, len(parsed.malformed)],
                        "offset": [None, parsed.end],
                    },
                )


def _context_start(handle: BinaryIO, offset: int) -> int:
    """Where to start reading so the lines before ``offset`` give the parser their context
    (the user name an OpenVPN refusal follows, the connection a VPN address belongs to):
    the start of a line up to ``CONTEXT_BYTES`` earlier."""
    if offset == 0:
        return 0
    begin = max(0, offset - CONTEXT_BYTES)
    handle.seek(begin)
    before = handle.read(offset - begin)
    if begin == 0:
        return 0
    newline = before.find(b"\n")
    return offset if newline < 0 else begin + newline + 1


def _complete_earlier(
    school: School, source_id: str, parsed: remotelogs.Parsed, offset: int
) -> None:
    """Keep only what lies from ``offset`` on; a connection stored earlier without its VPN
    address (its address line came after the piece it was in) gets it now."""
    earlier = [e for e in parsed.events if e.offset < offset]
    parsed.events = [e for e in parsed.events if e.offset >= offset]
    parsed.malformed = [m for m in parsed.malformed if m.offset >= offset]
    for event in earlier:
        if event.vpn_address:
            RemoteAccessEvent.objects.filter(
                school=school,
                event_id=remotelogs.event_id(source_id, event.offset),
                vpn_address="",
            ).update(vpn_address=event.vpn_address)


def _source(school: School, fmt: str, key: str, handle: BinaryIO, path: str) -> LogSource | None:
    """The file's checkpoint, locked; a new one when the file is new or was replaced."""
    saved = LogSource.objects.select_for_update().filter(school=school, fmt=fmt, key=key).first()
    if saved is not None:
        handle.seek(0)
        head = handle.read(saved.fingerprint_len)
        if len(head) == saved.fingerprint_len and source_identity(head) == saved.source_id:
            return saved
    handle.seek(0)
    head = handle.read(FINGERPRINT_BYTES)
    if not head:
        return None
    fresh = saved or LogSource(school=school, fmt=fmt, key=key)
    fresh.source_id = source_identity(head)
    fresh.fingerprint_len = len(head)
    fresh.offset = 0
    fresh.path = path
    fresh.read_at = timezone.now()
    fresh.save()
    return fresh


def _store(
    school: School,
    fmt: str,
    source_id: str,
    events: Iterable[remotelogs.Event],
    names: dict[str, int],
) -> list[RemoteAccessEvent]:
    rows = {
        remotelogs.event_id(source_id, e.offset): RemoteAccessEvent(
            school=school,
            event_id=remotelogs.event_id(source_id, e.offset),
            ts=e.ts,
            kind=EventKind(e.kind.value),
            username=e.username[:200],
            person_id=names.get(e.username.lower()) if e.username else None,
            remote_address=e.remote_address[:64],
            vpn_address=e.vpn_address[:64],
            gateway=e.gateway[:200],
            bytes_in=e.bytes_in,
            bytes_out=e.bytes_out,
            session_seconds=e.session_seconds,
            reason=e.reason[:300],
            fmt=fmt,
        )
        for e in events
    }
    known = set(
        RemoteAccessEvent.objects.filter(school=school, event_id__in=list(rows)).values_list(
            "event_id", flat=True
        )
    )
    new = [row for event_id, row in rows.items() if event_id not in known]
    RemoteAccessEvent.objects.bulk_create(new)
    return new


# -- bursts ----------------------------------------------------------------------------


def bursts_check(*, school: School, events: Sequence[RemoteAccessEvent]) -> tuple[int, int]:
    """Raise an alert for each burst the new failures make, per user name and per remote
    address: ``burst_failures`` failed attempts within ``burst_minutes`` (the school's rule,
    ``RemoteAccessSettings``). While failures keep coming within the window of an open
    alert's last one, that alert is extended instead of a new one raised. Returns
    (alerts opened, alerts extended)."""
    failed = [e for e in events if e.kind == EventKind.FAILED]
    if not failed:
        return 0, 0
    rule = selectors.settings_for(school)
    window = dt.timedelta(minutes=rule.burst_minutes)
    opened = extended = 0
    keys = {("username", e.username.lower()) for e in failed if e.username} | {
        ("remote_address", e.remote_address) for e in failed if e.remote_address
    }
    for field_name, value in sorted(keys):
        since = min(e.ts for e in failed if _key(e, field_name) == value) - window
        o, x = _burst_for(school, field_name, value, since, window, rule.burst_failures)
        opened += o
        extended += x
    return opened, extended


def _key(event: RemoteAccessEvent, field_name: str) -> str:
    return event.username.lower() if field_name == "username" else event.remote_address


def _failures(school: School, field_name: str, value: str) -> QuerySet[RemoteAccessEvent]:
    lookup = "username__iexact" if field_name == "username" else "remote_address"
    return RemoteAccessEvent.objects.filter(school=school, kind=EventKind.FAILED, **{lookup: value})


def _burst_for(
    school: School,
    field_name: str,
    value: str,
    since: dt.datetime,
    window: dt.timedelta,
    threshold: int,
) -> tuple[int, int]:
    alerts = RemoteAccessAlert.objects.select_for_update().filter(
        school=school, **{field_name: value}
    )
    alert = alerts.filter(window_end__gte=since).order_by("-window_end").first()
    times = list(
        _failures(school, field_name, value)
        .filter(ts__gte=since)
        .order_by("ts")
        .values_list("ts", "person_id")
    )
    before = alert.pk if alert is not None else None
    opened = 0
    changed: dict[int, RemoteAccessAlert] = {}
    recent: deque[dt.datetime] = deque()
    person_id = next((p for _, p in times if p), None)
    for ts, _person in times:
        if alert is not None and alert.window_start <= ts <= alert.window_end:
            continue
        if alert is not None and alert.state == AlertState.OPEN and ts - alert.window_end <= window:
            alert.window_end = ts
            changed[alert.pk] = alert
            continue
        recent.append(ts)
        while ts - recent[0] > window:
            recent.popleft()
        if len(recent) >= threshold:
            alert = RemoteAccessAlert.objects.create(
                school=school,
                person_id=person_id,
                window_start=recent[0],
                window_end=ts,
                failed_count=len(recent),
                opened_at=timezone.now(),
                **{field_name: value},
            )
            _announce(alert)
            opened += 1
            changed[alert.pk] = alert
            recent.clear()
    for current in changed.values():
        current.failed_count = (
            _failures(school, field_name, value)
            .filter(ts__gte=current.window_start, ts__lte=current.window_end)
            .count()
        )
        current.save(update_fields=["window_end", "failed_count"])
    return opened, int(before is not None and before in changed)


def _announce(alert: RemoteAccessAlert) -> None:
    school = alert.school
    recipients = selectors.ict_manager_emails(school)
    zone = selectors.school_zone(school)
    start = timezone.localtime(alert.window_start, zone)
    link = absolute_url(reverse("remoteaccess:overview"))
    if recipients:
        send_email_on_commit(
            subject=f"[Warden] {school.name}: failed remote-access attempts for {alert.subject}",
            body=(
                f"Remote access at {school.name}: {alert.failed_count} failed attempts for "
                f"{alert.subject} from {start:%H:%M on %d/%m/%Y}.\n\n"
                "Someone may be guessing a password. Check the attempts, and acknowledge the "
                f"alert with what you found:\n{link}\n"
            ),
            to=recipients,
        )
    audit_log(
        actor=None,
        action="remote_access.alert_opened",
        obj=alert,
        changes={
            "subject": [None, alert.subject],
            "failed_count": [None, alert.failed_count],
            "window_start": [None, alert.window_start.isoformat()],
            "to": [None, ", ".join(recipients)],
        },
    )


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: RemoteAccessAlert, note: str) -> RemoteAccessAlert:
    """Mark a burst alert as looked at, with what was found. A later burst raises a new one."""
    note = note.strip()
    if not note:
        raise ServiceError(
            "Say what you found (a forgotten password, a blocked address, ...).",
            field_errors={"note": ["Write what you found or did."]},
        )
    alert = RemoteAccessAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != AlertState.OPEN:
        raise ServiceError("This alert has already been acknowledged.")
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.note = note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note"])
    audit_log(
        actor=actor,
        action="remote_access.alert_acknowledged",
        obj=alert,
        changes={"note": [None, note]},
    )
    return alert


@transaction.atomic
def remote_access_settings_update(
    *, actor: User, school: School, burst_failures: int, burst_minutes: int
) -> RemoteAccessSettings:
    """Change the burst rule: how many failures within how many minutes raise an alert."""
    if burst_failures < 2:
        raise ServiceError(
            "A burst is at least 2 failed attempts.",
            field_errors={"burst_failures": ["At least 2."]},
        )
    if not 1 <= burst_minutes <= 1440:
        raise ServiceError(
            "The window is between 1 minute and a day (1440 minutes).",
            field_errors={"burst_minutes": ["Between 1 and 1440."]},
        )
    rule, _ = RemoteAccessSettings.objects.get_or_create(school=school)
    before = snapshot(rule, ["burst_failures", "burst_minutes"])
    rule.burst_failures = burst_failures
    rule.burst_minutes = burst_minutes
    rule.save()
    changes = diff(before, snapshot(rule, ["burst_failures", "burst_minutes"]))
    if changes:
        audit_log(actor=actor, action="remote_access.settings_changed", obj=rule, changes=changes)
    return rule
