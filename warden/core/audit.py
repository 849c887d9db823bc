"""The audit trail: every service writes through ``audit_log``; ``audit_verify`` checks it.

Who did something and from where is carried in a context variable that the web middleware
and the command line set, so services only say what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from warden.core.models import AuditChainHead, AuditEntry, School, Trust, User

GENESIS = "0" * 64
MASK = "••••••"
_SECRET_MARKERS = ("password", "secret", "token", "otp", "key", "hash")


@dataclass(frozen=True)
class AuditContext:
    ip: str | None = None
    via: str = "web"
    acting_school: School | None = None


_context: ContextVar[AuditContext | None] = ContextVar("warden_audit_context", default=None)


@contextlib.contextmanager
def audit_context(
    *, ip: str | None = None, via: str = "web", acting_school: School | None = None
) -> Iterator[None]:
    token = _context.set(AuditContext(ip=ip, via=via, acting_school=acting_school))
    try:
        yield
    finally:
        _context.reset(token)


def _is_secret(field: str) -> bool:
    lowered = field.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _plain(value: Any) -> Any:
    """A JSON-safe, stable rendering of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited values of a model instance (foreign keys by primary key)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        values[field.name] = _plain(getattr(obj, field.attname))
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields that changed; secrets are masked both sides."""
    changes: dict[str, list[Any]] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old == new:
            continue
        if _is_secret(key):
            old, new = _mask_value(old), _mask_value(new)
        changes[key] = [old, new]
    return changes


def _mask_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [MASK if v else v for v in value]
    return MASK if value else value


def _masked(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Changes as plain JSON, with any secret-looking field's values masked."""
    masked = {
        key: _mask_value(value) if _is_secret(key) else value for key, value in changes.items()
    }
    return dict(json.loads(json.dumps(masked, default=str)))


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
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
        actor_label=(actor.get_username() if actor else "system")[:200],
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
    items: list[tuple[models.Model, Mapping[str, Any]]],
    school: School,
) -> int:
    """Append one entry per ``(object, changes)`` pair in a single locked write.

    Bulk work (an MIS import of thousands of rows) stays fully audited without taking the
    chain lock once per row.
    """
    ctx = _context.get() or AuditContext()
    now = timezone.now()
    label = (actor.get_username() if actor else "system")[:200]
    entries = [
        AuditEntry(
            at=now,
            actor=actor,
            actor_label=label,
            trust_id=school.trust_id,
            school=school,
            ip=ctx.ip,
            via=ctx.via,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes=_masked(changes),
        )
        for obj, changes in items
    ]
    _append(entries)
    return len(entries)


def _append(entries: list[AuditEntry]) -> None:
    if not entries:
        return
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev = head.last_seq, head.last_hash
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = _entry_hash(entry)
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problem: str | None = None
    bad_seq: int | None = None
    bad_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_verify() -> VerifyResult:
    """Walk the chain in order and report the first entry that does not hold."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
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
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != checked:
        return VerifyResult(
            checked,
            f"the chain ends at #{checked} but #{head.last_seq} was written: "
            "the latest entries were removed",
            bad_seq=checked + 1,
        )
    return VerifyResult(checked)
