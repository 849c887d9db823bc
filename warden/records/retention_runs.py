"""Every write of the retention schedule: a school's periods, runs found and approved.

A run is found (by the weekly job, ``warden privacy retention``, or the page) and waits for
the SIRO. Approving it removes, for each record type, only what was listed in the run and
is still due and still not held at the moment of approval: a hold placed since the run was
found (a new subject access request, an incident opened) keeps its records. Each record
type removed writes one audit entry naming the rule and how many records went.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.records.models import RetentionRun, RetentionSetting, RunStatus
from warden.records.retention import Found, RecordType, Rule, holds_for, record_types

MAX_MONTHS = 1200


def rules_for(school: School) -> dict[str, Rule]:
    """Each record type's rule at ``school``: the default, with the school's own period."""
    own = dict(RetentionSetting.objects.filter(school=school).values_list("record_type", "months"))
    return {
        key: Rule(
            months=own.get(key, kind.default.months),
            after=kind.default.after,
            action=kind.default.action,
            basis=kind.default.basis,
        )
        for key, kind in record_types().items()
    }


@transaction.atomic
def retention_setting_update(
    *, actor: User, school: School, record_type: str, months: int
) -> RetentionSetting:
    """Set how many months ``school`` keeps one record type (its rule's trigger stays)."""
    kinds = record_types()
    if record_type not in kinds:
        raise ServiceError(f"There is no record type “{record_type}”.")
    if not 0 < months <= MAX_MONTHS:
        raise ServiceError(
            "Give a period between 1 and 1200 months.",
            field_errors={"months": ["Give a whole number of months, from 1 to 1200."]},
        )
    setting, _ = RetentionSetting.objects.select_for_update().get_or_create(
        school=school, record_type=record_type, defaults={"months": months, "updated_by": actor}
    )
    before = setting.months
    setting.months, setting.updated_by = months, actor
    setting.save()
    audit_log(
        actor=actor,
        action="retention_setting.updated",
        obj=setting,
        changes={"record_type": record_type, "months": [before, months]},
    )
    return setting


def _found_json(kind: RecordType, rule: Rule, found: Found) -> dict[str, Any]:
    return {
        "label": kind.label,
        "rule": rule.describe(),
        "months": rule.months,
        "due": [asdict(item) for item in found.due],
        "held": [asdict(item) for item in found.held],
    }


def retention_due(*, school: School, now: dt.datetime | None = None) -> dict[str, Any]:
    """What every record type has past its rule at ``school`` now, and what is held back
    and why, as a run keeps it. Writes nothing."""
    now = now or timezone.now()
    holds = holds_for(school)
    rules = rules_for(school)
    return {
        key: _found_json(kind, rules[key], kind.due(school, now, rules[key], holds))
        for key, kind in record_types().items()
    }


@transaction.atomic
def retention_find(
    *, actor: User | None, school: School, now: dt.datetime | None = None
) -> RetentionRun:
    """Record what is due now as a run awaiting approval (replacing an earlier one not yet
    approved, which is cancelled)."""
    now = now or timezone.now()
    RetentionRun.objects.select_for_update().filter(
        school=school, status=RunStatus.PROPOSED
    ).update(status=RunStatus.CANCELLED, decided_at=now)
    found = retention_due(school=school, now=now)
    run = RetentionRun.objects.create(school=school, found_at=now, found_by=actor, found=found)
    audit_log(
        actor=actor,
        action="retention_run.found",
        obj=run,
        changes={
            "due": {key: sum(c["count"] for c in f["due"]) for key, f in found.items()},
            "held": {key: sum(c["count"] for c in f["held"]) for key, f in found.items()},
        },
    )
    return run


def _locked(run: RetentionRun) -> RetentionRun:
    locked = RetentionRun.objects.select_for_update().select_related("school").get(pk=run.pk)
    if locked.status != RunStatus.PROPOSED:
        raise ServiceError(
            f"This run was {locked.get_status_display().lower()} already; find a new one."
        )
    return locked


@transaction.atomic
def retention_cancel(*, actor: User, run: RetentionRun) -> RetentionRun:
    run = _locked(run)
    run.status, run.decided_by, run.decided_at = RunStatus.CANCELLED, actor, timezone.now()
    run.save(update_fields=["status", "decided_by", "decided_at"])
    audit_log(actor=actor, action="retention_run.cancelled", obj=run)
    return run


@transaction.atomic
def retention_approve(
    *, actor: User, run: RetentionRun, now: dt.datetime | None = None
) -> RetentionRun:
    """Remove what ``run`` listed, as the SIRO approved it (see the module docstring)."""
    run = _locked(run)
    school = run.school
    holds = holds_for(school)
    rules = rules_for(school)
    kinds = record_types()
    removed: dict[str, int] = {}
    for key, found in run.found.items():
        keys = [item["key"] for item in found["due"]]
        if not keys or key not in kinds:
            continue
        rule = rules[key]
        count = kinds[key].remove(school, keys, rule, holds)
        removed[key] = count
        audit_log(
            actor=actor,
            action="retention_run.removed",
            obj=run,
            changes={
                "record_type": kinds[key].label,
                "rule": rule.describe(),
                "removed": [item["description"] for item in found["due"]][:200],
                "count": count,
            },
        )
    run.status, run.decided_by = RunStatus.APPROVED, actor
    run.decided_at, run.removed = now or timezone.now(), removed
    run.save(update_fields=["status", "decided_by", "decided_at", "removed"])
    return run
