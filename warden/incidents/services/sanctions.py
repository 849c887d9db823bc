"""Sanctions: add, end, and the hourly run that starts, ends and lapses them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.incidents import rules
from warden.incidents.models import (
    Incident,
    Part,
    Sanction,
    SanctionKind,
    SanctionState,
)
from warden.incidents.services._sanctions import (
    _regroup,
    _sanction_create,
    _sanction_finish,
    _withdraw,
)
from warden.incidents.services._shared import _expect_open, _locked, _today
from warden.people.models import Person


@transaction.atomic
def sanction_add(
    *,
    actor: User,
    incident: Incident,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    notes: str = "",
) -> Sanction:
    """Record a sanction for a subject of the incident; withdrawals suspend their accounts.

    A withdrawal "for a period" suspends the accounts it covers on its first day and the
    daily ``warden incidents sanctions`` run restores them on ``ends_on``. Withdrawing
    internet access also moves the person into the school's "No internet" filter group for
    the period, and the same run puts them back in their rule-based group at the end.
    """
    if kind not in SanctionKind.values:
        raise ServiceError("Choose a sanction.", field_errors={"kind": ["Required."]})
    incident = _locked(incident)
    _expect_open(incident, "record a sanction")
    if not incident.involvements.filter(person=person, part=Part.SUBJECT).exists():
        raise ServiceError(
            f"{person} is not a subject of this incident; sanctions apply to the person whose "
            "conduct it concerns.",
            field_errors={"person": ["Choose a subject of the incident."]},
        )
    return _sanction_create(
        actor=actor,
        incident=incident,
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        notes=notes,
    )


@transaction.atomic
def sanction_end(*, actor: User, sanction: Sanction, reason: str) -> Sanction:
    """End a sanction early (an appeal, a mistake); withdrawn accounts come back."""
    if not reason.strip():
        raise ServiceError("Say why it ends early.", field_errors={"reason": ["Required."]})
    sanction = (
        Sanction.objects.select_for_update()
        .select_related("incident", "incident__school", "incident__school__trust", "person")
        .get(pk=sanction.pk)
    )
    if sanction.state != SanctionState.ACTIVE:
        raise ServiceError("This sanction is no longer in force.")
    _sanction_finish(sanction, actor, SanctionState.ENDED, reason.strip())
    return sanction


@dataclass
class SanctionsRun:
    started: int = 0
    ended: int = 0
    lapsed: int = 0
    accounts_suspended: int = 0
    accounts_restored: int = 0
    regrouped: int = 0
    problems: list[str] = field(default_factory=list)


def sanctions_process(
    *, school: School | None = None, today: dt.date | None = None
) -> SanctionsRun:
    """The daily run: start withdrawals due today, end those due, lapse verbal warnings.

    A withdrawal "for a period" ends on its ``ends_on`` day and its accounts come back (an
    internet withdrawal's person leaves the "No internet" filter group); a verbal warning
    stops counting after 12 months (duty "Verbal warnings held for 12 months").
    """
    run = SanctionsRun()
    active = Sanction.objects.filter(state=SanctionState.ACTIVE).select_related(
        "incident", "incident__school", "incident__school__trust", "person"
    )
    if school is not None:
        active = active.filter(school=school)
    for sanction in active.order_by("pk"):
        day = today or _today(sanction.incident.school)
        with transaction.atomic():
            if sanction.kind == SanctionKind.VERBAL_WARNING:
                if sanction.lapses_on and sanction.lapses_on <= day:
                    _sanction_finish(sanction, None, SanctionState.LAPSED, "12 months have passed")
                    run.lapsed += 1
                continue
            if sanction.ends_on and sanction.ends_on <= day:
                _sanction_finish(sanction, None, SanctionState.ENDED, "its period is over")
                run.ended += 1
                run.accounts_restored += len(sanction.restored_accounts)
                run.problems += [
                    f"{sanction.incident.reference}: account {pk} not restored"
                    for pk in set(sanction.suspended_accounts) - set(sanction.restored_accounts)
                ]
                continue
            if sanction.starts_on > day:
                continue
            started = False
            if rules.suspends_accounts(sanction.kind) and not sanction.suspended_accounts:
                _withdraw(sanction, None)
                if sanction.suspended_accounts:
                    started = True
                    run.accounts_suspended += len(sanction.suspended_accounts)
            if rules.regroups(sanction.kind) and sanction.filter_assignment_id is None:
                _regroup(sanction, None)
                started = True
                run.regrouped += 1
            run.started += started
    return run
