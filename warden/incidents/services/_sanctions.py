"""How a sanction is created and ended: withdrawing and restoring accounts, moving a
user to a restricted filtering group and back. The incident services (severity, close)
and the sanction services both use these."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction

from warden.accounts.models import Account, AccountState
from warden.accounts.services import account_reenable, account_suspend
from warden.core.audit import audit_log, diff, snapshot
from warden.core.confidential.services import (
    chronology_add,
)
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.incidents import rules
from warden.incidents.models import (
    Incident,
    Sanction,
    SanctionKind,
    SanctionState,
)
from warden.incidents.services._shared import _now, _today
from warden.people.models import Person


def _held_by_others(sanction: Sanction) -> set[int]:
    """Accounts another sanction in force on the same person holds suspended."""
    held: set[int] = set()
    for other in Sanction.objects.filter(
        person_id=sanction.person_id, state=SanctionState.ACTIVE
    ).exclude(pk=sanction.pk):
        held.update(other.suspended_accounts)
    return held


def _withdraw(sanction: Sanction, actor: User | None) -> None:
    """Suspend the person's accounts through the accounts area and remember which.

    An account another sanction already holds suspended is recorded here too, so it comes
    back only when the last sanction covering it ends.
    """
    until = f" until {sanction.ends_on:%d/%m/%Y}" if sanction.ends_on else " until the outcome"
    reason = f"E-safety sanction on {sanction.incident.reference}{until}"
    kinds = rules.SANCTION_SYSTEM_KINDS.get(sanction.kind)
    accounts = Account.objects.filter(
        person_id=sanction.person_id, state__in=[AccountState.ACTIVE, AccountState.SUSPENDED]
    ).select_related("system")
    if kinds is not None:
        accounts = accounts.filter(system__kind__in=sorted(kinds))
    held = _held_by_others(sanction)
    covered: list[int] = []
    suspended = 0
    for account in accounts.order_by("pk"):
        if account.state == AccountState.ACTIVE:
            account_suspend(actor=actor, account=account, reason=reason)
            suspended += 1
        elif account.pk not in held:
            continue  # suspended for another reason: not this sanction's to restore
        covered.append(account.pk)
    sanction.suspended_accounts = sorted(set(sanction.suspended_accounts) | set(covered))
    sanction.save(update_fields=["suspended_accounts"])
    if suspended:
        chronology_add(
            sanction.incident,
            actor,
            f"{suspended} account(s) of {sanction.person} suspended ({reason}).",
        )


def _restore(sanction: Sanction, actor: User | None) -> None:
    """Re-enable what this sanction suspended, unless another sanction in force holds it."""
    held_elsewhere = _held_by_others(sanction)
    restored: list[int] = []
    problems: list[str] = []
    for account in Account.objects.filter(pk__in=sanction.suspended_accounts).order_by("pk"):
        if account.state != AccountState.SUSPENDED or account.pk in held_elsewhere:
            continue
        try:
            with transaction.atomic():
                account_reenable(actor=actor, account=account)
        except ServiceError as exc:
            problems.append(f"{account}: {exc.message}")
        else:
            restored.append(account.pk)
    sanction.restored_accounts = restored
    sanction.save(update_fields=["restored_accounts"])
    if restored:
        chronology_add(
            sanction.incident, actor, f"{len(restored)} account(s) of {sanction.person} restored."
        )
    for problem in problems:
        chronology_add(sanction.incident, actor, f"Could not restore {problem}")


def _regroup(sanction: Sanction, actor: User | None) -> None:
    """Put the person in the school's "No internet" filter group until the sanction ends.

    Another internet withdrawal in force on the same person shares the one assignment,
    lengthened to the later end, so the person comes back only when the last one ends.
    """
    from warden.monitoring.models import AssignmentSource
    from warden.monitoring.services.filtering import filter_group_assign, no_internet_group

    school = sanction.incident.school
    group = no_internet_group(school)
    ends = (
        dt.datetime.combine(sanction.ends_on, dt.time(0), tzinfo=ZoneInfo(school.timezone))
        if sanction.ends_on
        else None
    )
    until = f" until {sanction.ends_on:%d/%m/%Y}" if sanction.ends_on else ""
    assignment = filter_group_assign(
        actor=actor,
        person=sanction.person,
        group=group,
        # Filtering pages are open beyond the safeguarding team: name no incident here.
        reason=f"Internet access withdrawn{until} (e-safety sanction)",
        ends=ends,
        source=AssignmentSource.SANCTION,
    )
    sanction.filter_assignment = assignment
    sanction.save(update_fields=["filter_assignment"])
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.person} moved to the {group.name} filter group{until}.",
    )


def _ungroup(sanction: Sanction, actor: User | None) -> bool:
    """Take the person out of the "No internet" group, back to their rule-based group,
    unless another sanction in force holds the same assignment; True when done."""
    from warden.monitoring.services.filtering import filter_group_unassign

    assignment = sanction.filter_assignment
    if assignment is None:
        return False
    others = Sanction.objects.filter(
        filter_assignment=assignment, state=SanctionState.ACTIVE
    ).exclude(pk=sanction.pk)
    if others.exists():
        return False
    assignment.refresh_from_db()
    if assignment.removed_at is None:
        filter_group_unassign(
            actor=actor,
            assignment=assignment,
            reason="The e-safety sanction's period is over",
        )
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.person} back in the filter group their rules give them.",
    )
    return True


def _sanction_create(
    *,
    actor: User,
    incident: Incident,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    notes: str,
) -> Sanction:
    refusal = rules.sanction_refusal(
        kind=kind, severity=incident.severity, starts_on=starts_on, ends_on=ends_on
    )
    if refusal:
        raise ServiceError(refusal, field_errors={"ends_on": [refusal]} if ends_on else {})
    sanction = Sanction.objects.create(
        school_id=incident.school_id,
        incident=incident,
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on if kind in rules.PERIOD_SANCTIONS else None,
        lapses_on=(
            rules.verbal_warning_lapses_on(starts_on)
            if kind == SanctionKind.VERBAL_WARNING
            else None
        ),
        notes=notes.strip()[:300],
        created_at=_now(),
        created_by=actor,
    )
    sanction.incident = incident
    line = f"Sanction for {person}: {sanction.get_kind_display()} from {starts_on:%d/%m/%Y}"
    if sanction.ends_on:
        line += f" to {sanction.ends_on:%d/%m/%Y} (access back that day)"
    if sanction.lapses_on:
        line += f", held on record until {sanction.lapses_on:%d/%m/%Y}"
    chronology_add(incident, actor, line + f". {rules.SANCTION_WORDS[kind]}")
    audit_log(
        actor=actor,
        action="sanction.recorded",
        obj=sanction,
        changes=diff(
            {}, snapshot(sanction, ["incident", "person", "kind", "starts_on", "ends_on"])
        ),
    )
    if starts_on <= _today(incident.school):
        if rules.suspends_accounts(kind):
            _withdraw(sanction, actor)
        if rules.regroups(kind):
            _regroup(sanction, actor)
    return sanction


def _sanction_finish(sanction: Sanction, actor: User | None, state: str, why: str) -> None:
    sanction.state = state
    sanction.ended_at = _now()
    sanction.ended_by = actor
    sanction.save(update_fields=["state", "ended_at", "ended_by"])
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.get_kind_display()} for {sanction.person} "
        f"{'lapsed' if state == SanctionState.LAPSED else 'ended'}: {why}.",
    )
    audit_log(
        actor=actor,
        action="sanction.lapsed" if state == SanctionState.LAPSED else "sanction.ended",
        obj=sanction,
        school=sanction.incident.school,
        changes={"state": [SanctionState.ACTIVE.value, state], "why": [None, why]},
    )
    if sanction.suspended_accounts:
        _restore(sanction, actor)
    if sanction.filter_assignment_id is not None:
        _ungroup(sanction, actor)
