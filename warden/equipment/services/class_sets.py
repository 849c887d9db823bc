"""Class sets: trolleys of devices lent to a class together, through the loans services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    Asset,
    ClassSet,
    ClassSetLoan,
    LoanState,
    Location,
)
from warden.equipment.services._shared import _check_borrower, _words
from warden.equipment.services.loans import (
    Acceptance,
    checkout_refusal,
    loan_accept,
    loan_cancel,
    loan_check_in,
    loan_check_out,
)
from warden.people.models import Person


@transaction.atomic
def class_set_create(
    *, actor: User | None, school: School, name: str, location: Location | None = None
) -> ClassSet:
    """Start a class set (a trolley of tablets lent to a class together)."""
    name = _words(name)
    if not name:
        raise ServiceError("Name the class set, e.g. Year 5 iPad trolley.")
    if ClassSet.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"There is already a class set called {name}.")
    class_set = ClassSet.objects.create(school=school, name=name, location=location)
    audit_log(
        actor=actor, action="class_set.created", obj=class_set, changes={"name": [None, name]}
    )
    return class_set


@transaction.atomic
def class_set_assign(
    *, actor: User | None, class_set: ClassSet, assets: Iterable[Asset], remove: bool = False
) -> int:
    """Put assets into a class set (or take them out)."""
    changed = []
    for asset in assets:
        if asset.school_id != class_set.school_id:
            raise ServiceError(f"{asset.asset_tag} belongs to another school.")
        want = None if remove else class_set.pk
        if asset.class_set_id == want:
            continue
        before = snapshot(asset, ["class_set"])
        asset.class_set_id = want
        changed.append((asset, diff(before, snapshot(asset, ["class_set"]))))
    Asset.objects.bulk_update([a for a, _ in changed], ["class_set"])
    audit_log_many(
        actor=actor,
        action="asset.updated",
        items=[(a, c) for a, c in changed],
        school=class_set.school,
    )
    return len(changed)


@transaction.atomic
def class_set_check_out(
    *,
    actor: User | None,
    class_set: ClassSet,
    person: Person,
    due_on: dt.date,
    group: str = "",
    purpose: str = "",
    acceptance: Acceptance | None = None,
) -> ClassSetLoan:
    """Check out every available device of a class set to a teacher for a lesson.

    The teacher accepts the loan agreement once for the whole set. Devices that cannot be
    lent (in repair, lost) are left behind and named in the audit entry.
    """
    class_set = ClassSet.objects.select_for_update().get(pk=class_set.pk)
    _check_borrower(person, class_set.school)
    if ClassSetLoan.objects.filter(class_set=class_set, closed_at__isnull=True).exists():
        raise ServiceError(f"{class_set} is already out; check it in first.")
    assets = list(Asset.objects.select_for_update().filter(class_set=class_set))
    if not assets:
        raise ServiceError(f"{class_set} has no devices in it yet.")
    set_loan = ClassSetLoan.objects.create(
        school=class_set.school,
        class_set=class_set,
        person=person,
        group=_words(group)[:40],
        purpose=_words(purpose)[:200],
        due_on=due_on,
        checked_out_at=timezone.now(),
        checked_out_by=actor,
    )
    left_behind: list[str] = []
    lent = 0
    for asset in assets:
        if checkout_refusal(asset):
            left_behind.append(asset.asset_tag)
            continue
        loan_check_out(
            actor=actor,
            asset=asset,
            person=person,
            due_on=due_on,
            purpose=set_loan.purpose or f"Class set {class_set}",
            acceptance=acceptance,
            class_set_loan=set_loan,
            off_site=False,  # a class set is used in lessons, in school
        )
        lent += 1
    if not lent:
        raise ServiceError(f"None of the devices in {class_set} can be lent just now.")
    audit_log(
        actor=actor,
        action="class_set.checked_out",
        obj=set_loan,
        changes={
            "person": [None, person.pk],
            "devices": [None, lent],
            "left_behind": [None, ", ".join(left_behind)],
        },
    )
    return set_loan


@transaction.atomic
def class_set_accept(*, actor: User | None, set_loan: ClassSetLoan, acceptance: Acceptance) -> int:
    """The teacher accepts the loan agreement for every device of a set still waiting."""
    count = 0
    for loan in set_loan.loans.filter(state=LoanState.AWAITING_AGREEMENT):
        loan_accept(actor=actor, loan=loan, acceptance=acceptance)
        count += 1
    return count


@transaction.atomic
def class_set_check_in(
    *,
    actor: User | None,
    set_loan: ClassSetLoan,
    missing: Iterable[int] = (),
    notes: str = "",
) -> int:
    """Check a whole class set back in; devices listed as ``missing`` stay out on loan."""
    set_loan = ClassSetLoan.objects.select_for_update().get(pk=set_loan.pk)
    if set_loan.closed_at is not None:
        raise ServiceError("This class set has already been checked in.")
    missing_ids = set(missing)
    returned = 0
    still_out = 0
    for loan in set_loan.loans.filter(state__in=OPEN_LOAN_STATES).select_related("asset"):
        if loan.asset_id in missing_ids:
            still_out += 1
            continue
        if loan.state == LoanState.AWAITING_AGREEMENT:
            loan_cancel(actor=actor, loan=loan)
        else:
            loan_check_in(actor=actor, loan=loan, notes=notes)
        returned += 1
    if not still_out:
        set_loan.closed_at = timezone.now()
        set_loan.save(update_fields=["closed_at"])
    audit_log(
        actor=actor,
        action="class_set.checked_in",
        obj=set_loan,
        changes={"returned": [None, returned], "still_out": [None, still_out]},
    )
    return returned
