"""The audit trail: every service writes through ``audit_log``; ``audit_verify`` checks it.

Who did something and from where is carried in a context variable that the web middleware
and the command line set, so services only say what changed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import math
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from warden.core.audit_checkpoints import (
    Checkpoint,
    CheckpointFileError,
    checkpoint_append,
    checkpoint_sign,
    checkpoints_read,
)
from warden.core.audit_retention import chain_start
from warden.core.bulk import copy_rows
from warden.core.errors import ServiceError
from warden.core.models import AuditChainHead, AuditEntry, Membership, School, Trust, User
from warden.core.roles import Role

GENESIS = "0" * 64
MASK = "••••••"
_SECRET_MARKERS = ("password", "secret", "token", "otp", "key", "hash")
# A number about secrets is a rule, not a secret: "password_max_age_days" stays readable.
_RULE_SUFFIXES = ("_days", "_hours", "_length", "_count")


@dataclass(frozen=True)
class AuditContext:
    ip: str | None = None
    via: str = "web"
    acting_school: School | None = None
    system_actor: str = "system"
    """Who an entry names when no user acted: "the scheduler" or "the worker" in a task."""


_context: ContextVar[AuditContext | None] = ContextVar("warden_audit_context", default=None)


@contextlib.contextmanager
def _using(context: AuditContext) -> Iterator[None]:
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def audit_context(
    *,
    ip: str | None = None,
    via: str = "web",
    acting_school: School | None = None,
    system_actor: str = "system",
) -> contextlib.AbstractContextManager[None]:
    """Say who is acting and from where for the entries written inside the block."""
    return _using(
        AuditContext(ip=ip, via=via, acting_school=acting_school, system_actor=system_actor)
    )


def audit_acting_school(school: School) -> contextlib.AbstractContextManager[None]:
    """Act for ``school`` and keep the rest of the context (a task's actor and channel), as a
    task that works school by school does."""
    return _using(replace(_context.get() or AuditContext(), acting_school=school))


def actor_label(actor: User | None) -> str:
    """The actor as text kept in the entry: their name and username as they are now."""
    if actor is None:
        return "system"
    name = actor.get_full_name()
    username = actor.get_username()
    return (f"{name} ({username})" if name else username)[:200]


@functools.lru_cache(maxsize=4096)
def _is_secret(field: str) -> bool:
    # Cached: bulk work asks the same few field names once per entry, thousands of times.
    lowered = field.lower()
    if lowered.endswith(_RULE_SUFFIXES):
        return False
    return any(marker in lowered for marker in _SECRET_MARKERS)


# Values kept as they are in an entry: checked by exact type first, the common case in bulk.
_KEPT_TYPES = frozenset((type(None), bool, int, str))


def _plain(value: Any) -> Any:
    """A JSON-safe, stable rendering of a field value."""
    if type(value) in _KEPT_TYPES or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@functools.cache
def _audited_fields(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    return tuple((field.name, field.attname) for field in model._meta.concrete_fields)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited values of a model instance (foreign keys by primary key)."""
    values: dict[str, Any] = {}
    for name, attname in _audited_fields(type(obj)):
        if fields is not None and name not in fields:
            continue
        value = getattr(obj, attname)
        values[name] = value if type(value) in _KEPT_TYPES else _plain(value)
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that changed; secrets are masked both sides."""
    changes: dict[str, list[Any]] = {}
    if not before:  # a new record, the common case in bulk: every value that is set
        for key, secret in _in_order(tuple(after)):
            new = after[key]
            if type(new) not in _KEPT_TYPES:
                new = _plain(new)
            if new is None:
                continue
            changes[key] = [None, _mask_value(new) if secret else new]
        return changes
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old == new:
            continue
        if _is_secret(key):
            old, new = _mask_value(old), _mask_value(new)
        changes[key] = [old, new]
    return changes


@functools.lru_cache(maxsize=1024)
def _in_order(keys: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """The keys in the order entries list them, each with whether it is a secret."""
    return tuple((key, _is_secret(key)) for key in sorted(keys))


def _mask_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [MASK if v else v for v in value]
    return MASK if value else value


def _masked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes as plain JSON, with any secret-looking field's values masked."""
    masked = {
        key: _mask_value(value) if _is_secret(key) else value for key, value in changes.items()
    }
    # Made plain JSON the way the database would store it, so the hash covers what is kept:
    # quickly where that is easy to tell, else (dates, decimals...) by a round trip.
    plain = _as_json(masked)
    if plain is not _NOT_PLAIN:
        return plain
    return dict(json.loads(json.dumps(masked, default=str)))


_NOT_PLAIN = object()


def _as_json(value: Any) -> Any:
    """What a JSON round trip gives for ``value`` where that is quick to tell: a subclass of
    str (a TextChoices member) as its text, a tuple as a list; ``_NOT_PLAIN`` for anything
    else (a date, a decimal, a key that is not a str...), left to the round trip."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # its text, as JSON encodes it
    if kind is float:
        return value if math.isfinite(value) else _NOT_PLAIN
    if kind is list or kind is tuple:
        items = []
        for item in value:
            if not (type(item) in _SCALARS or item is None):
                item = _as_json(item)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
            items.append(item)
        return items
    if kind is dict:
        plain = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            if not (type(item) in _SCALARS or item is None):
                item = _as_json(item)
                if item is _NOT_PLAIN:
                    return _NOT_PLAIN
            plain[key] = item
        return plain
    return _NOT_PLAIN


_SCALARS = frozenset((str, int, bool))

# json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False), without
# building an encoder for every call.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _entry_hash(entry: AuditEntry) -> str:
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = {
        "seq": entry.seq,
        "prev": entry.prev_hash,
        "at": at,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "trust": entry.trust_id,
        "school": entry.school_id,
        "ip": entry.ip,
        "via": entry.via,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "changes": entry.changes,
    }
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


def audit_log(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    school: School | None = None,
    trust: Trust | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit trail, inside the caller's transaction.

    ``action`` is ``<thing>.<verb>`` (``person.created``); ``changes`` is usually
    ``diff(before, after)``. The school defaults to the object's school, then the school the
    user is acting for.
    """
    ctx = _context.get() or AuditContext()
    if school is None and obj is not None:
        school = getattr(obj, "school", None) if hasattr(obj, "school_id") else None
    if school is None:
        school = ctx.acting_school
    if trust is None and school is not None:
        trust = school.trust
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor,
        actor_label=actor_label(actor) if actor is not None else ctx.system_actor,
        trust=trust,
        school=school,
        ip=ctx.ip,
        via=ctx.via,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=_masked(changes or {}),
    )
    _append([entry])
    return entry


def audit_log_many(
    *,
    actor: User | None,
    action: str,
    items: Sequence[tuple[models.Model, Mapping[str, Any]]],
    school: School,
) -> int:
    """Append one entry per ``(object, changes)`` pair in a single locked write.

    Bulk work (an MIS import of thousands of rows) stays fully audited without taking the
    chain lock once per row.
    """
    if not items:
        return 0
    ctx = _context.get() or AuditContext()
    if (actor is not None and actor.pk is None) or school.pk is None:
        raise ValueError(
            "audit_log_many() prohibited to prevent data loss: the actor or school is unsaved."
        )
    batch = _Batch(
        at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label(actor) if actor is not None else ctx.system_actor,
        trust_id=school.trust_id,
        school_id=school.pk,
        ip=ctx.ip,
        via=ctx.via,
        action=action,
    )
    labels: dict[type[models.Model], str] = {}
    described = []
    for obj, changes in items:
        kind = type(obj)
        object_type = labels.get(kind)
        if object_type is None:
            object_type = labels[kind] = obj._meta.label_lower
        # Described before writing: naming an object may read related rows.
        described.append((object_type, str(obj.pk), str(obj)[:200], changes))
    with transaction.atomic():
        head = _ChainHead()
        batch.seq, batch.prev = head.seq, head.hash
        # Streamed: the database stores each row while the next ones are hashed.
        if not copy_rows(AuditEntry, _BATCH_FIELDS, batch.rows(described)):
            batch.seq, batch.prev, batch.kept = head.seq, head.hash, []
            rows = list(batch.rows(described))
            AuditEntry.objects.bulk_create(
                AuditEntry(**(dict(zip(_BATCH_FIELDS, row, strict=True)) | {"changes": changes}))
                for row, changes in zip(rows, batch.kept, strict=True)
            )
        head.move(batch.seq, batch.prev)
    return len(described)


# The columns of ``_Batch.rows``, in order; "changes" is JSON text.
_BATCH_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "trust_id", "school_id", "ip", "via", "action",
    "object_type", "object_id", "object_repr", "changes", "prev_hash", "hash",
)  # fmt: skip


@dataclass
class _Batch:
    """What every entry of one ``audit_log_many`` call shares, and where the chain stands:
    the last entry numbered so far, ``seq`` with hash ``prev``."""

    at: datetime
    actor_id: int | None
    actor_label: str
    trust_id: int | None
    school_id: int | None
    ip: str | None
    via: str
    action: str
    seq: int = 0
    prev: str = GENESIS
    kept: list[dict[str, Any]] = field(default_factory=list)
    """Each entry's changes as kept (masked, plain JSON), in order."""

    def rows(
        self, described: list[tuple[str, str, str, Mapping[str, Any]]]
    ) -> Iterator[tuple[Any, ...]]:
        """Number and hash one entry per ``(object type, id, repr, changes)`` after the
        chain's last: the rows of ``_BATCH_FIELDS``.

        Each hash is ``_entry_hash``'s, its canonical JSON put together from the parts
        that differ between entries (the keys in the sorted order ``_entry_hash`` gives),
        and each entry's changes are encoded once, for the hash and for the row.
        """
        at = self.at.astimezone(UTC).isoformat(timespec="microseconds")
        head = (
            f'{{"action":{_canonical(self.action)},"actor":{_canonical(self.actor_id)},'
            f'"actor_label":{_canonical(self.actor_label)},"at":{_canonical(at)},"changes":'
        )
        ip = f',"ip":{_canonical(self.ip)},"object_id":'
        school = f',"school":{_canonical(self.school_id)},"seq":'
        tail = f',"trust":{_canonical(self.trust_id)},"via":{_canonical(self.via)}}}'
        common = (
            self.at,
            self.actor_id,
            self.actor_label,
            self.trust_id,
            self.school_id,
            self.ip,
            self.via,
            self.action,
        )
        sha256 = hashlib.sha256
        for object_type, object_id, object_repr, changes in described:
            masked = _masked(changes)
            self.kept.append(masked)
            seq, prev = self.seq + 1, self.prev
            encoded = _canonical(masked)
            canonical = (
                f"{head}{encoded}{ip}{_canonical(object_id)},"
                f'"object_repr":{_canonical(object_repr)},"object_type":{_canonical(object_type)},'
                f'"prev":{_canonical(prev)}{school}{seq}{tail}'
            )
            self.seq, self.prev = seq, sha256(canonical.encode("utf-8")).hexdigest()
            yield (seq, *common, object_type, object_id, object_repr, encoded, prev, self.prev)


def _append(entries: list[AuditEntry]) -> None:
    if not entries:
        return
    with transaction.atomic():
        head = _ChainHead()
        seq, prev = head.seq, head.hash
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = _entry_hash(entry)
        AuditEntry.objects.bulk_create(entries)
        head.move(seq, prev)


# Per connection, where (ctid) the head row's version it last wrote is, on PostgreSQL.
_head_versions: weakref.WeakKeyDictionary[BaseDatabaseWrapper, str] = weakref.WeakKeyDictionary()


class _ChainHead:
    """The chain's head row, locked until the transaction ends: the last entry's ``seq``
    and ``hash``, moved on with ``move``.

    On PostgreSQL the row is found where this connection last wrote it. Each update leaves
    the row's previous version in place until the transaction ends, and finding the row by
    its key walks past every one of them: thousands of appends in one transaction (the
    demo, an import) would slow down in proportion. A version that is no longer the row's
    current one (updated since, here or elsewhere, or written in a savepoint rolled back)
    is not found, and the row is then found by its key.
    """

    def __init__(self) -> None:
        self.connection = connections[router.db_for_write(AuditChainHead)]
        self.fast = self.connection.vendor == "postgresql"
        if self.fast:  # the model's own table; every value is a bound parameter
            self.table = self.connection.ops.quote_name(AuditChainHead._meta.db_table)
            version = _head_versions.get(self.connection)
            if version is not None:
                found = self._query(
                    f"SELECT last_seq, last_hash, ctid::text FROM {self.table} "  # noqa: S608
                    "WHERE ctid = %s::tid AND id = 1 FOR UPDATE",
                    [version],
                )
                if found is not None:
                    self.seq, self.hash, self.version = found
                    return
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        self.head, self.seq, self.hash = head, head.last_seq, head.last_hash
        if self.fast:
            found = self._query(f"SELECT ctid::text FROM {self.table} WHERE id = 1", [])  # noqa: S608
            self.version = found[0] if found is not None else None

    def _query(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def move(self, seq: int, entry_hash: str) -> None:
        """Make the entry numbered ``seq`` with ``entry_hash`` the chain's last."""
        if self.fast and self.version is not None:
            moved = self._query(
                f"UPDATE {self.table} SET last_seq = %s, last_hash = %s "  # noqa: S608
                "WHERE ctid = %s::tid AND id = 1 RETURNING ctid::text",
                [seq, entry_hash, self.version],
            )
            if moved is not None:
                _head_versions[self.connection] = moved[0]
                return
        head = getattr(self, "head", None) or AuditChainHead.objects.get(pk=1)
        head.last_seq, head.last_hash = seq, entry_hash
        head.save(update_fields=["last_seq", "last_hash"])
        _head_versions.pop(self.connection, None)


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problem: str | None = None
    bad_seq: int | None = None
    bad_id: int | None = None
    checkpoint: Checkpoint | None = None
    """The latest checkpoint the chain was proved against (None: there is none yet)."""

    @property
    def ok(self) -> bool:
        return self.problem is None


def _walk(
    entries: Iterable[AuditEntry],
    *,
    expected_seq: int,
    expected_prev: str,
    anchors: Mapping[int, Checkpoint],
) -> VerifyResult:
    """Check that ``entries`` (in ``seq`` order) continue the chain from ``expected_seq``.

    Each entry must carry the next number, name the previous entry's hash, hash to what it
    says, and match any checkpoint written at its number.
    """
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(
                checked,
                f"entry #{expected_seq} is missing (found #{entry.seq} next): "
                "a row was removed or renumbered",
                bad_seq=expected_seq,
                bad_id=entry.pk,
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                checked,
                f"entry #{entry.seq} (id {entry.pk}) does not follow the entry before it: "
                "rows were reordered or replaced",
                bad_seq=entry.seq,
                bad_id=entry.pk,
            )
        if _entry_hash(entry) != entry.hash:
            return VerifyResult(
                checked,
                f"entry #{entry.seq} (id {entry.pk}, {entry.action}) was changed after "
                "it was written",
                bad_seq=entry.seq,
                bad_id=entry.pk,
            )
        anchor = anchors.get(entry.seq)
        if anchor is not None and not hmac.compare_digest(anchor.hash, entry.hash):
            return VerifyResult(
                checked,
                f"entry #{entry.seq} (id {entry.pk}) is not the entry {anchor.describe()} "
                f"vouches for: entries up to #{entry.seq} were rewritten and re-hashed after "
                "that checkpoint",
                bad_seq=entry.seq,
                bad_id=entry.pk,
            )
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    return VerifyResult(checked)


def _anchors(checkpoints: list[Checkpoint]) -> dict[int, Checkpoint]:
    anchors: dict[int, Checkpoint] = {}
    for checkpoint in checkpoints:
        earlier = anchors.get(checkpoint.seq)
        if earlier is not None and earlier.hash != checkpoint.hash:
            raise CheckpointFileError(
                f"{earlier.describe()} and {checkpoint.describe()} name different entries "
                f"#{checkpoint.seq}: the trail was rewritten between them"
            )
        anchors.setdefault(checkpoint.seq, checkpoint)
    return anchors


def audit_verify(*, checkpoint_file: Path | None = None) -> VerifyResult:
    """Walk the whole chain in order and report the first entry that does not hold.

    Beyond the chain itself, the trail must pass through every signed checkpoint in the
    checkpoint file (``checkpoint_file``, or the site's): a checkpointed entry that is gone
    or different means rows were removed or re-hashed by someone with database access.
    """
    try:
        checkpoints = checkpoints_read(checkpoint_file)
        anchors = _anchors(checkpoints)
        # After retention pruned the oldest entries, the trail starts at its signed anchor.
        start = chain_start()
    except CheckpointFileError as exc:
        return VerifyResult(0, str(exc))
    latest = checkpoints[-1] if checkpoints else None
    start_seq, start_prev = (start.seq, start.hash) if start else (0, GENESIS)
    entries = AuditEntry.objects.filter(seq__gt=start_seq).order_by("seq")
    result = _walk(
        entries.iterator(chunk_size=2000),
        expected_seq=start_seq + 1,
        expected_prev=start_prev,
        anchors=anchors,
    )
    if not result.ok:
        return result
    checked = start_seq + result.checked
    furthest = max(anchors, default=0)
    if furthest > checked:
        return VerifyResult(
            checked,
            f"the trail ends at #{checked} but {anchors[furthest].describe()} recorded "
            f"#{furthest}: the latest entries were removed",
            bad_seq=checked + 1,
        )
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != checked:
        return VerifyResult(
            checked,
            f"the chain ends at #{checked} but #{head.last_seq} was written: "
            "the latest entries were removed",
            bad_seq=checked + 1,
        )
    return VerifyResult(result.checked, checkpoint=latest)


def audit_checkpoint_write(*, notify: bool | None = None, if_changed: bool = False) -> Checkpoint:
    """Sign where the audit chain stands now and append it to the checkpoint file.

    The entries written since the previous checkpoint are checked first, so a checkpoint
    never vouches for a chain that does not continue the one already checkpointed. When
    ``WARDEN_AUDIT_CHECKPOINT_EMAIL`` is on (or ``notify``), the signed line is e-mailed to
    every SIRO, a copy out of reach of anyone who can only change the server. With
    ``if_changed`` (the scheduled job), nothing is written when no entry was added since.
    """
    try:
        checkpoints = checkpoints_read()
    except CheckpointFileError as exc:
        raise ServiceError(f"{exc}. Run 'warden audit verify' and investigate.") from None
    previous = checkpoints[-1] if checkpoints else None
    start_seq, start_prev = (previous.seq, previous.hash) if previous else (0, GENESIS)
    try:
        pruned = chain_start()
    except CheckpointFileError as exc:
        raise ServiceError(f"{exc}. Run 'warden audit verify' and investigate.") from None
    pruned_to = pruned.seq if pruned else 0
    if pruned is not None and pruned.seq >= start_seq:
        # Retention removed the entries up to its anchor: continue from there.
        start_seq, start_prev = pruned.seq, pruned.hash
    entries = AuditEntry.objects.filter(seq__gt=start_seq).order_by("seq")
    if previous is not None and previous.seq > pruned_to:
        anchor = AuditEntry.objects.filter(seq=previous.seq).first()
        if anchor is None or not hmac.compare_digest(anchor.hash, previous.hash):
            raise ServiceError(
                f"The audit trail no longer passes through {previous.describe()}, so no new "
                "checkpoint was written. Run 'warden audit verify' and investigate."
            )
    result = _walk(
        entries.iterator(chunk_size=2000),
        expected_seq=start_seq + 1,
        expected_prev=start_prev,
        anchors={},
    )
    if not result.ok:
        raise ServiceError(
            f"The audit trail is broken ({result.problem}), so no checkpoint was written. "
            "Run 'warden audit verify' and investigate."
        )
    seq = start_seq + result.checked
    chain_hash = start_prev
    if result.checked:
        chain_hash = AuditEntry.objects.values_list("hash", flat=True).get(seq=seq)
    if if_changed and previous is not None and previous.seq == seq:
        return previous
    checkpoint = checkpoint_sign(seq=seq, chain_hash=chain_hash, written_at=timezone.now())
    checkpoint_append(checkpoint)
    if settings.WARDEN_AUDIT_CHECKPOINT_EMAIL if notify is None else notify:
        _send_checkpoint(checkpoint)
    return checkpoint


def _send_checkpoint(checkpoint: Checkpoint) -> None:
    # Imported here: core.tasks imports this module for the scheduled checkpoint task.
    from warden.core.tasks import send_email_on_commit

    recipients = sorted(
        set(
            Membership.objects.filter(
                role=Role.SIRO, user__is_active=True, user__email__gt=""
            ).values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return
    when = timezone.localtime(checkpoint.written_at)
    body = (
        f"Warden's audit trail stood at entry #{checkpoint.seq} at {when:%H:%M on %d/%m/%Y}.\n\n"
        "Keep this e-mail. If the audit trail is ever in doubt, save the line below to a "
        "file and run 'warden audit verify --checkpoint-file <that file>': it proves the "
        "trail still holds every entry up to this one, unchanged.\n\n"
        f"{checkpoint.line()}\n"
    )
    send_email_on_commit(
        subject=f"Warden audit checkpoint: entry #{checkpoint.seq}", body=body, to=recipients
    )
