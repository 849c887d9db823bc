"""The writes every confidential record shares: its number, chronology, playbook steps and
access list.

Each area's service locks the record and checks its own rules first (whether it is open,
who may tick a step) inside its transaction, then calls these; they write the row, the
chronology line and the audit entry in the area's words (``kinds.RecordKind``). Changing an
access list needs the kind's "manage" permission, checked here for every area.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db.models import Max
from django.utils import timezone

from warden.core.access import has_perm, visible_school_ids
from warden.core.audit import audit_log
from warden.core.confidential.kinds import RecordKind
from warden.core.confidential.models import (
    AccessGrant,
    ChecklistStep,
    ChronologyLine,
    EntryKind,
    NumberedRecord,
)
from warden.core.errors import ServiceError
from warden.core.models import School, User


class StepLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def tell(self) -> str: ...
    @property
    def mandatory(self) -> bool: ...


def _require_manage(actor: User, record: Any, kind: RecordKind) -> None:
    if not has_perm(actor, kind.manage_perm, record.school_id):
        raise ServiceError(kind.manage_refusal)


def next_number(model: type[NumberedRecord], school: School) -> int:
    """The next per-school number (INC-0007, WC-0007) of ``model``'s records.

    Locks the school's row, so two records made at once do not take the same number; call
    it inside the transaction that creates the record.
    """
    School.objects.select_for_update().filter(pk=school.pk).first()
    found = model._default_manager.filter(school=school).aggregate(n=Max("number"))["n"]
    return (found or 0) + 1


def chronology_add(
    record: Any, actor: User | None, text: str, kind: str = EntryKind.SYSTEM
) -> ChronologyLine:
    """A line of the record's chronology (``record.chronology``), dated now."""
    entry: ChronologyLine = record.chronology.create(
        school_id=record.school_id, at=timezone.now(), by=actor, kind=kind, text=text
    )
    return entry


def steps_apply(
    record: Any, *, key: str, title: str, source: str, steps: Iterable[StepLike], actor: User | None
) -> int:
    """Copy a playbook's steps onto the record (``record.steps``), skipping those it has.

    Returns how many were added; the chronology says which playbook when any were.
    """
    manager = record.steps
    have = set(manager.filter(playbook=key).values_list("code", flat=True))
    new = [
        manager.model(
            school_id=record.school_id,
            playbook=key,
            code=step.code,
            position=n,
            text=step.text,
            tell=step.tell,
            mandatory=step.mandatory,
            **{manager.field.name: record},
        )
        for n, step in enumerate(steps, start=1)
        if step.code not in have
    ]
    if not new:
        return 0
    manager.model.objects.bulk_create(new)
    chronology_add(record, actor, f"Playbook applied: {title} ({source}).")
    return len(new)


def step_tick(
    *, actor: User, step: ChecklistStep, record: Any, note: str, kind: RecordKind
) -> ChecklistStep:
    """Tick a locked step of an open record, with who, when and (for a step that names who
    must be told) when and how they were told."""
    if step.done_at is not None:
        raise ServiceError("This step is already ticked.")
    if step.tell and not note.strip():
        raise ServiceError(
            f"Say when and how {step.tell} was told (or why not).",
            field_errors={"note": ["Required for a step that names who must be told."]},
        )
    step.done_at, step.done_by, step.note = timezone.now(), actor, note.strip()[:300]
    step.save(update_fields=["done_at", "done_by", "note"])
    chronology_add(record, actor, f"Done: {step.text}" + (f" ({step.note})" if step.note else ""))
    audit_log(
        actor=actor,
        action=f"{kind.audit}.step_done",
        obj=record,
        changes={"step": [None, f"{step.playbook}/{step.code}"], "note": [None, step.note]},
    )
    return step


def access_grant(
    *, actor: User, record: Any, user: User, reason: str, kind: RecordKind
) -> AccessGrant:
    """Put ``user`` on the record's access list (``record.access_list``), saying why.

    Refused without a reason, for someone with no role at the record's school, and for
    someone who reads every record there already.
    """
    _require_manage(actor, record, kind)
    if not reason.strip():
        raise ServiceError(kind.need, field_errors={"reason": ["Required."]})
    if record.school_id not in visible_school_ids(user):
        raise ServiceError(f"{user} has no role at {record.school.name}.")
    if has_perm(user, kind.view_perm, record.school_id):
        raise ServiceError(f"{user} can already read {kind.every} at this school.")
    entry, created = record.access_list.get_or_create(
        user=user,
        defaults={
            "school_id": record.school_id,
            "reason": reason.strip()[:300],
            "added_at": timezone.now(),
            "added_by": actor,
        },
    )
    if not created:
        raise ServiceError(f"{user} is already on this {kind.noun}'s access list.")
    chronology_add(record, actor, f"{user.get_full_name() or user} given access: {entry.reason}")
    audit_log(
        actor=actor,
        action=f"{kind.audit}.access_granted",
        obj=record,
        changes={"user": [None, user.username], "reason": [None, entry.reason]},
    )
    return entry


def access_revoke(*, actor: User, entry: Any, record: Any, kind: RecordKind) -> None:
    """Take one grant off the record's access list; the chronology keeps that it was there."""
    _require_manage(actor, record, kind)
    chronology_add(record, actor, f"{entry.user.get_full_name() or entry.user}'s access removed.")
    audit_log(
        actor=actor,
        action=f"{kind.audit}.access_revoked",
        obj=record,
        changes={"user": [entry.user.username, None]},
    )
    entry.delete()
