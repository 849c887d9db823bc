"""What a leaver still holds: equipment on the leavers' board.

Policy duty "Equipment returned on leaving" (docs/policy-map.md). Each open loan is an item
that keeps the leaver open until it is checked in or written off with a reason.

The accounts area's board calls each provider in ``ITEMS`` with ``(school, people, now)``
(one page of leavers) and expects ``{person_pk: [LeaverItem, ...]}``; ``HOLDINGS`` says, in
SQL over every leaver, who holds a device and whose is overdue, for the board's order.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from warden.accounts.selectors import LeaverHoldings, LeaverItem
from warden.accounts.services import end_of_day
from warden.core.models import School
from warden.equipment.models import OPEN_LOAN_STATES, Loan, LoanState
from warden.people.models import Person


def _item(loan: Loan, school: School, now: dt.datetime) -> LeaverItem:
    # Due back by the end of the last day, in the school's time zone.
    leaving = loan.person.leaving_date
    deadline = end_of_day(leaving, school) if leaving else None
    issued = loan.state == LoanState.ISSUED
    return LeaverItem(
        kind="device",
        label=str(loan.asset),
        deadline=deadline,
        overdue=deadline is not None and deadline < now,
        done=False,
        state_label=loan.get_state_display(),
        action_url=reverse(
            "equipment:loan_check_in" if issued else "equipment:loan_cancel",
            kwargs={"loan_pk": loan.pk},
        ),
        action_label="Check in" if issued else "Cancel check-out",
        obj=loan,
    )


def open_loans_for(people: list[Person]) -> list[Loan]:
    return list(
        Loan.objects.filter(person__in=people, state__in=OPEN_LOAN_STATES)
        .select_related("asset", "person")
        .order_by("checked_out_at", "pk")
    )


def equipment_leaver_items(
    school: School, people: list[Person], now: dt.datetime
) -> dict[int, list[LeaverItem]]:
    """Every open loan of these people, as items on the leavers' board."""
    items: dict[int, list[LeaverItem]] = {}
    for loan in open_loans_for(people):
        if loan.school_id == school.pk:
            items.setdefault(loan.person_id, []).append(_item(loan, school, now))
    return items


def outstanding_for(person: Person) -> list[Loan]:
    """The loans a person has not yet returned or had written off."""
    return open_loans_for([person])


def leaver_equipment_clear(person: Person) -> str | None:
    """Why this leaver cannot be completed yet because of equipment, or None when clear."""
    loans = outstanding_for(person)
    if not loans:
        return None
    names = ", ".join(str(loan.asset) for loan in loans)
    return (
        f"{person} still holds {names}. Check each item in, or write it off with a reason, "
        "before the leaver is completed (ICT security policy §3g)."
    )


def equipment_leaver_holdings(school: School, now: dt.datetime) -> LeaverHoldings:
    """Leavers with a device still out; overdue once their leaving day has ended."""
    out = Q(
        Exists(
            Loan.objects.filter(school=school, person=OuterRef("pk"), state__in=OPEN_LOAN_STATES)
        )
    )
    today = timezone.localdate(now, ZoneInfo(school.timezone or "Europe/London"))
    return LeaverHoldings(holds=out, open=out, overdue=out & Q(leaving_date__lt=today))


ITEMS = [equipment_leaver_items]
HOLDINGS = [equipment_leaver_holdings]
