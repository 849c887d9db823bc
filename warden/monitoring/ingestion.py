"""The engine's ingestion interfaces, implemented with Warden's database.

* :class:`DatabaseViolationSink` upserts violations by the engine's deterministic id.
* :class:`DatabaseCheckpointStore` keeps each source's progress in ``IngestCheckpoint`` and
  writes the sink's pending violations in the same transaction as the checkpoint that
  commits them, so a run killed at any point leaves the database at a chunk boundary.
* :func:`school_attributor` turns active account usernames, MIS ids and IP leases into the
  engine's :class:`~warden.engine.ingest.IntervalAttributor`.
* :func:`school_matcher` compiles the school's active keyword library, cached in memory by
  a hash of its content and on disk (the compiled Hyperscan database) under ``VAR_DIR``.
* :func:`school_classifier` and :func:`school_alert_categories` read the filtering side.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from warden.accounts.models import Account, AccountState, SystemKind
from warden.core.models import School
from warden.engine.ingest import (
    DEFAULT_CATEGORY_SEVERITY,
    Checkpoint,
    IntervalAttributor,
    Lease,
    UrlClassifier,
)
from warden.engine.ingest import (
    Violation as EngineViolation,
)
from warden.engine.keywords import Exclusion, KeywordMatcher, Phrase, Term
from warden.engine.policy import Policy
from warden.engine.snapshot import PolicySnapshot, SnapshotError, read_snapshot
from warden.monitoring.conf import snapshot_path
from warden.monitoring.models.monitoring import (
    IngestCheckpoint,
    IpLease,
    Keyword,
    KeywordExclusion,
    Violation,
)
from warden.monitoring.signals import violations_stored
from warden.people.models import Person

logger = logging.getLogger(__name__)

# Account states whose username still identifies its holder in proxy logs. A suspended
# account that still shows up in the logs is worth knowing about, so it counts too.
ATTRIBUTING_STATES = (AccountState.ACTIVE, AccountState.SUSPENDED)


def archive_root() -> Path:
    return Path(settings.VAR_DIR) / "archive"


def keyword_cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "cache" / "keywords"


# -- keywords ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledLibrary:
    digest: str
    matcher: KeywordMatcher


_matchers: dict[int, CompiledLibrary] = {}
_matchers_lock = threading.Lock()


def library_content(school: School) -> tuple[list[Phrase], list[Exclusion], str]:
    """The school's active phrases and its exclusions, and a hash of both."""
    rows = list(
        Keyword.objects.filter(school=school, active=True)
        .order_by("pk")
        .values_list("text", "category", "severity", "language", "terms")
    )
    excluded = list(
        KeywordExclusion.objects.filter(school=school)
        .order_by("pk")
        .values_list("text", "reason", "categories")
    )
    digest = hashlib.sha256(
        json.dumps([rows, excluded], default=str, ensure_ascii=False).encode()
    ).hexdigest()
    phrases = [
        Phrase(text, category, severity, language, terms=tuple(Term(*t) for t in terms or ()))
        for text, category, severity, language, terms in rows
    ]
    exclusions = [
        Exclusion(text, reason, frozenset(categories or ()))
        for text, reason, categories in excluded
    ]
    return phrases, exclusions, digest


def school_matcher(school: School) -> KeywordMatcher | None:
    """The school's compiled keyword matcher; None when it has no active phrases.

    Compiling thousands of phrases takes seconds, so the result is kept per process until
    the library changes, and the compiled database is also kept on disk by pattern hash.
    """
    phrases, exclusions, digest = library_content(school)
    if not phrases:
        return None
    with _matchers_lock:
        cached = _matchers.get(school.pk)
        if cached is not None and cached.digest == digest:
            return cached.matcher
    matcher = KeywordMatcher.compile(phrases, exclusions, cache_dir=keyword_cache_dir())
    with _matchers_lock:
        _matchers[school.pk] = CompiledLibrary(digest, matcher)
    return matcher


# -- attribution -------------------------------------------------------------------------


def school_usernames(school: School) -> dict[str, str]:
    """``{username or MIS id: person id}`` for attribution by name.

    Directory accounts win over other systems' accounts with the same username, and any
    account username over an MIS id (the fallback when no account is recorded).
    """
    names: dict[str, str] = {}
    for mis_id, pk in (
        Person.objects.filter(school=school).exclude(mis_id="").values_list("mis_id", "pk")
    ):
        names[mis_id.lower()] = str(pk)
    accounts = (
        Account.objects.filter(school=school, state__in=ATTRIBUTING_STATES)
        .order_by("pk")
        .values_list("username", "person_id", "system__kind")
    )
    # Non-directory accounts first, so directory accounts overwrite them.
    for username, person_id, _kind in sorted(accounts, key=lambda a: a[2] == SystemKind.DIRECTORY):
        names[username.lower()] = str(person_id)
    return names


def school_leases(school: School) -> list[IpLease]:
    return list(
        IpLease.objects.filter(school=school).only("ip", "device", "start", "end", "person_id")
    )


def lease_keys(lease: IpLease) -> list[str]:
    """What a log's client column may hold for this lease: the address, and the device name
    as given and in lower case (Squid with ``log_fqdn on`` logs client names, not addresses;
    names must match exactly, so a logged ``laptop-17.school.local`` does not match a lease
    for ``LAPTOP-17``)."""
    keys = [lease.ip]
    if lease.device:
        keys += sorted({lease.device, lease.device.lower()})
    return keys


def school_attributor(school: School, leases: Sequence[IpLease]) -> IntervalAttributor:
    return IntervalAttributor(
        [
            Lease(key, lease.start, lease.end, str(lease.person_id))
            for lease in leases
            for key in lease_keys(lease)
        ],
        usernames=school_usernames(school),
    )


class DeviceLookup:
    """The device name a lease gives for an address at a moment (for a violation's record)."""

    def __init__(self, leases: Sequence[IpLease]) -> None:
        self._by_ip: dict[str, list[tuple[dt.datetime, dt.datetime | None, str]]] = {}
        for lease in leases:
            for key in lease_keys(lease):
                self._by_ip.setdefault(key, []).append((lease.start, lease.end, lease.device))
        for spans in self._by_ip.values():
            spans.sort(key=lambda s: s[0])

    def device_at(self, ip: str | None, when: dt.datetime) -> str:
        spans = self._by_ip.get(ip or "")
        if not spans:
            return ""
        starts = [s[0] for s in spans]
        for _start, end, device in reversed(spans[: bisect.bisect_right(starts, when)]):
            if end is None or when < end:
                return device
        return ""


# -- classification ----------------------------------------------------------------------

# Severity of a visit to a site in an alert category, by category; others get the engine's
# default (3). A visit is weaker evidence than a typed phrase, so only the categories where
# one visit can mean a child at risk are 5.
ALERT_SEVERITY: dict[str, int] = {
    "child-sexual-abuse": 5,
    "child-sexual-exploitation": 5,
    "suicide": 5,
    "self-harm": 5,
    "terrorism": 5,
    "extremism": 4,
    "pornography": 4,
    "weapons": 4,
    "drugs": 3,
}


def school_snapshot(school: School) -> PolicySnapshot | None:
    """The school's published filtering snapshot (compiled by the filtering half of this app
    into ``conf.snapshot_path``), or None when it has none or it cannot be read."""
    path = snapshot_path(school.slug)
    if not path.exists():
        return None
    try:
        return read_snapshot(path)
    except SnapshotError as exc:
        logger.warning("ingestion for %s: snapshot unusable (%s)", school.slug, exc)
        return None


def school_classifier(snapshot: PolicySnapshot | None) -> UrlClassifier | None:
    """The category lists of the school's snapshot. Without a snapshot nothing is
    classified and only keyword matches are reported (ingestion's summary says so)."""
    return snapshot.index if snapshot is not None else None


# Categories where even a blocked attempt is a safeguarding concern: a pupil trying to
# reach a suicide forum needs a DSL's attention although the filter stopped the page.
ATTEMPT_CATEGORIES = frozenset(
    {
        "child-sexual-abuse",
        "child-sexual-exploitation",
        "suicide",
        "self-harm",
        "terrorism",
        "extremism",
    }
)


def group_alert_categories(snapshot: PolicySnapshot | None) -> dict[str, dict[str, int]]:
    """Per filter group, the categories whose visits are violations, with their severity:
    those the group marks "allowed but alerted", and the safeguarding categories of
    ``ATTEMPT_CATEGORIES`` that it blocks (a blocked attempt still needs a DSL's look).
    Each violation keeps the filter's decision (allowed or denied) from the log line."""
    if snapshot is None:
        return {}
    return {
        slug: {
            name: ALERT_SEVERITY.get(name, DEFAULT_CATEGORY_SEVERITY)
            for name in sorted(set(group.alert) | (set(group.block) & ATTEMPT_CATEGORIES))
        }
        for slug, group in snapshot.groups.items()
    }


def school_alert_categories(snapshot: PolicySnapshot | None) -> dict[str, int]:
    """Every category that alerts for some group of the school: the engine's first filter,
    before each request is checked against its own group (:func:`group_alert_categories`)."""
    merged: dict[str, int] = {}
    for alerts in group_alert_categories(snapshot).values():
        merged |= alerts
    return dict(sorted(merged.items()))


def group_lookup(snapshot: PolicySnapshot | None) -> Callable[[str | None, str | None], str] | None:
    """The filter group of a request by user name and client address, decided by the same
    code the Squid helper uses, so a violation follows the group the request was filtered
    for."""
    if snapshot is None:
        return None
    policy = Policy(snapshot)

    def group_for(user: str | None, ip: str | None) -> str:
        return policy.group_slug(user or "", ip or "")

    return group_for


# -- sink and checkpoints ----------------------------------------------------------------

_UPDATED_FIELDS = [
    "source_id",
    "offset",
    "line_no",
    "ts",
    "person",
    "username",
    "device",
    "client_ip",
    "url",
    "host",
    "search_engine",
    "search_term",
    "phrase",
    "matched_text",
    "language",
    "category",
    "severity",
    "decision",
    "kind",
]


def _clip(value: str | None, length: int) -> str:
    return (value or "")[:length]


def violations_received(school: School, pks: list[int]) -> None:
    """Tell the areas that listen (the incident log opens safeguarding triage) about stored
    violations, in the same transaction, so a chunk's violations are never stored without
    their triage being opened. Listeners are idempotent: a chunk redone after a crash
    alerts nobody twice."""
    if pks:
        violations_stored.send(sender=School, school=school, violation_ids=pks)


class DatabaseViolationSink:
    """Violations into ``Violation``, upserted by ``(school, engine_id)``.

    On its own, :meth:`deliver` writes at once. Paired with a
    :class:`DatabaseCheckpointStore` (``deferred``), it holds the chunk's violations until the
    store saves the checkpoint that commits them, and both go in one transaction.
    """

    def __init__(self, school: School, devices: DeviceLookup | None = None) -> None:
        self.school = school
        self.devices = devices
        self.deferred = False
        self.pending: list[EngineViolation] = []
        self.written = 0

    def deliver(self, violations: Sequence[EngineViolation]) -> None:
        self.pending.extend(violations)
        if not self.deferred:
            with transaction.atomic():
                self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rows = [self._row(v) for v in self.pending]
        Violation.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["school", "engine_id"],
            update_fields=_UPDATED_FIELDS,
        )
        self.written += len(rows)
        self.pending = []
        ids = [row.engine_id for row in rows]
        pks: list[int] = []
        for start in range(0, len(ids), 500):
            pks.extend(
                Violation.objects.filter(
                    school=self.school, engine_id__in=ids[start : start + 500]
                ).values_list("pk", flat=True)
            )
        violations_received(self.school, pks)

    def _row(self, v: EngineViolation) -> Violation:
        device = self.devices.device_at(v.client_ip, v.ts) if self.devices else ""
        return Violation(
            school=self.school,
            engine_id=v.id,
            source_id=v.source_id,
            offset=v.offset,
            line_no=v.line_no,
            ts=v.ts,
            person_id=int(v.person_id) if v.person_id else None,
            username=_clip(v.username, 150),
            device=_clip(device, 120),
            client_ip=_clip(v.client_ip, 45),
            url=v.url or "",
            host=_clip(v.host, 255),
            search_engine=_clip(v.search_engine, 40),
            search_term=v.search_term or "",
            phrase=_clip(v.phrase, 300),
            matched_text=_clip(v.matched_text, 300),
            language=_clip(v.language, 20),
            category=_clip(v.category, 60),
            severity=v.severity,
            decision=_clip(v.decision, 20),
            kind=v.kind,
        )


class DatabaseCheckpointStore:
    """Checkpoints in ``IngestCheckpoint``; see :class:`DatabaseViolationSink`."""

    def __init__(
        self, school: School, log_format: str, sink: DatabaseViolationSink | None = None
    ) -> None:
        self.school = school
        self.log_format = log_format
        self.sink = sink
        if sink is not None:
            sink.deferred = True

    def load(self, source_key: str) -> Checkpoint | None:
        row = IngestCheckpoint.objects.filter(school=self.school, source_key=source_key).first()
        if row is None:
            return None
        return Checkpoint(
            source_key=row.source_key,
            source_id=row.source_id,
            fingerprint_len=row.fingerprint_len,
            offset=row.offset,
            line_no=row.line_no,
            chunk_index=row.chunk_index,
            path=row.path,
            malformed=row.malformed,
        )

    def save(self, checkpoint: Checkpoint) -> None:
        with transaction.atomic():
            if self.sink is not None:
                self.sink.flush()
            IngestCheckpoint.objects.update_or_create(
                school=self.school,
                source_key=checkpoint.source_key,
                defaults={
                    "source_id": checkpoint.source_id,
                    "fingerprint_len": checkpoint.fingerprint_len,
                    "offset": checkpoint.offset,
                    "line_no": checkpoint.line_no,
                    "chunk_index": checkpoint.chunk_index,
                    "path": checkpoint.path[:1000],
                    "malformed": checkpoint.malformed,
                    "log_format": self.log_format,
                },
            )
