"""Reads of systems and accounts that pages, commands and other areas share."""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, TypeVar

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from warden.accounts import rules
from warden.accounts.models import (
    LIVE_STATES,
    SUSPENDABLE_STATES,
    AccessReview,
    Account,
    AccountState,
    HandStep,
    HandSuspension,
    LeaverCompletion,
    System,
)
from warden.agreements.models import StoredStanding, StoredStandingQuerySet
from warden.core.models import School
from warden.core.registry import collect
from warden.lib.exports import Column
from warden.people.models import Person, PersonType

_Row = TypeVar("_Row", bound=Model)
# --- Systems and accounts -------------------------------------------------------------------


def systems_at(school: School) -> QuerySet[System]:
    return (
        System.objects.filter(school=school)
        .select_related("owner")
        .annotate(
            live_count=Count("accounts", filter=Q(accounts__state__in=list(LIVE_STATES))),
            requested_count=Count("accounts", filter=Q(accounts__state=AccountState.REQUESTED)),
        )
        .order_by("name")
    )


ACCOUNT_SORTS = {
    "name": ("person__last_name", "person__first_name", "system__name", "pk"),
    "-name": ("-person__last_name", "-person__first_name", "system__name", "-pk"),
    "system": ("system__name", "person__last_name", "pk"),
    "state": ("state", "person__last_name", "pk"),
    "requested": ("requested_at", "pk"),
    "-requested": ("-requested_at", "-pk"),
}


@dataclass(frozen=True)
class AccountFilter:
    q: str = ""
    state: str = ""
    system: int | None = None
    person_type: str = ""
    year_group: int | None = None
    sort: str = "name"


def accounts_list(school: School, f: AccountFilter) -> QuerySet[Account]:
    # The people joined are the school's only (an account's person is always of its school):
    # the planner then reads the school's people by index instead of hashing the whole
    # trust's. The staff who requested, approved and activated are read for the rows shown
    # only, not joined to every account before the page is cut (33 ms down to 10 at a
    # 1,500-pupil school of a 10-school trust).
    accounts = (
        Account.objects.filter(school=school, person__school=school)
        .select_related("person", "system")
        .prefetch_related("requested_by", "approved_by", "activated_by")
    )
    if f.state:
        accounts = accounts.filter(state=f.state)
    else:
        accounts = accounts.exclude(state=AccountState.DELETED)
    if f.system:
        accounts = accounts.filter(system_id=f.system)
    if f.person_type:
        accounts = accounts.filter(person__person_type=f.person_type)
    if f.year_group is not None:
        accounts = accounts.filter(person__year_group=f.year_group)
    for word in f.q.split():
        accounts = accounts.filter(
            Q(username__icontains=word)
            | Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(person__mis_id__iexact=word)
        )
    return accounts.order_by(*ACCOUNT_SORTS.get(f.sort, ACCOUNT_SORTS["name"]))


def pending_counts(school: School) -> dict[str, int]:
    counts = Counter(
        Account.objects.filter(
            school=school, state__in=[AccountState.REQUESTED, AccountState.APPROVED]
        ).values_list("state", flat=True)
    )
    return {"requested": counts[AccountState.REQUESTED], "approved": counts[AccountState.APPROVED]}


def accounts_of(person: Person) -> QuerySet[Account]:
    return (
        Account.objects.filter(person=person)
        .select_related("system", "requested_by", "approved_by", "activated_by")
        .order_by("system__name", "-pk")
    )


# --- Leavers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaverItem:
    """One thing to take back from a leaver: an account, or (from another area) a device."""

    kind: str  # "account", "device", ...
    label: str
    deadline: dt.datetime | None
    overdue: bool
    done: bool
    state_label: str
    # POST target for the one-click action (None when nothing to do), and its button text.
    action_url: str | None = None
    action_label: str = ""
    obj: Any = None


@dataclass
class Leaver:
    person: Person
    items: list[LeaverItem] = field(default_factory=list)
    completion: LeaverCompletion | None = None

    @property
    def overdue(self) -> bool:
        return any(i.overdue for i in self.items)

    @property
    def earliest(self) -> dt.datetime | None:
        deadlines = [i.deadline for i in self.items if i.deadline and not i.done]
        return min(deadlines) if deadlines else None

    @property
    def outstanding(self) -> int:
        return sum(1 for i in self.items if not i.done)

    @property
    def live_accounts(self) -> int:
        """How many accounts "disable all of this leaver's accounts" would disable."""
        return sum(1 for i in self.items if isinstance(i.obj, Account) and i.obj.is_live)


# A provider takes (school, people, now) and returns {person_pk: [LeaverItem, ...]}. Other
# areas list theirs as ``ITEMS`` in ``<app>/leavers.py`` (equipment to collect, say). The
# board calls them with one page of leavers, so each reads only those people's rows.
LeaverProvider = Callable[[School, list[Person], dt.datetime], dict[int, list[LeaverItem]]]


@dataclass(frozen=True)
class LeaverHoldings:
    """What one area holds of a leaver, as conditions on ``Person`` rows.

    The board works out who is on it, and in which order, for every leaver at once in SQL
    (so its size and its pages do not depend on reading every leaver's items), then asks
    the providers for the items of one page. Each area that adds items also lists, as
    ``HOLDINGS`` in its ``leavers.py``, a function of (school, now) giving these.
    """

    holds: Q  # anything at all, done or not: keeps the leaver on the board until completed
    open: Q  # something still to do
    overdue: Q  # something still to do whose deadline has passed


LeaverHoldingsProvider = Callable[[School, dt.datetime], LeaverHoldings]


def account_leaver_items(
    school: School, people: list[Person], now: dt.datetime
) -> dict[int, list[LeaverItem]]:
    """Each account of these leavers (not deleted). A live one is still to do; so is a
    disabled one that a technician has still to disable by hand on its system."""
    from django.urls import reverse

    by_hand = {
        task.account_id: task
        for task in HandSuspension.objects.filter(
            school=school, account__person__in=people, done_at__isnull=True, step=HandStep.DISABLE
        )
    }
    items: dict[int, list[LeaverItem]] = {}
    for account in (
        Account.objects.filter(school=school, person__in=people)
        .exclude(state=AccountState.DELETED)
        .select_related("system")
        .order_by("removal_deadline", "system__name")
    ):
        live = account.state in LIVE_STATES
        task = None if live else by_hand.get(account.pk)
        deadline = account.removal_deadline
        if live:
            action_url: str | None = reverse(
                "accounts:account_disable", kwargs={"account_pk": account.pk}
            )
        elif task is not None:
            action_url = reverse("accounts:hand_suspension_done", kwargs={"task_pk": task.pk})
        else:
            action_url = None
        items.setdefault(account.person_id, []).append(
            LeaverItem(
                kind="account",
                label=f"{account.username} on {account.system.name}",
                deadline=deadline,
                overdue=(live or task is not None) and deadline is not None and deadline < now,
                done=not live and task is None,
                state_label=f"Disabled in Warden; still to disable by hand on {account.system.name}"
                if task is not None
                else account.get_state_display(),
                action_url=action_url,
                action_label="Disable" if live else "Done by hand",
                obj=account,
            )
        )
    return items


def account_leaver_holdings(school: School, now: dt.datetime) -> LeaverHoldings:
    accounts = Account.objects.filter(school=school, person=OuterRef("pk")).exclude(
        state=AccountState.DELETED
    )
    live = accounts.filter(state__in=list(LIVE_STATES))
    by_hand = HandSuspension.objects.filter(
        school=school, account__person=OuterRef("pk"), done_at__isnull=True, step=HandStep.DISABLE
    )
    return LeaverHoldings(
        holds=Q(Exists(accounts)),
        open=Q(Exists(live)) | Q(Exists(by_hand)),
        overdue=Q(Exists(live.filter(removal_deadline__lt=now)))
        | Q(Exists(by_hand.filter(account__removal_deadline__lt=now))),
    )


def leaver_providers() -> list[LeaverProvider]:
    return [account_leaver_items, *collect("leavers", "ITEMS")]


def leaver_holdings(school: School, now: dt.datetime) -> list[LeaverHoldings]:
    providers: list[LeaverHoldingsProvider] = [
        account_leaver_holdings,
        *collect("leavers", "HOLDINGS"),
    ]
    return [provider(school, now) for provider in providers]


def leaver_items(person: Person, *, now: dt.datetime | None = None) -> list[LeaverItem]:
    """Everything every area lists for this leaver, done or not."""
    now = now or timezone.now()
    items: list[LeaverItem] = []
    for provider in leaver_providers():
        items.extend(provider(person.school, [person], now).get(person.pk, []))
    return items


def name_search(rows: QuerySet[_Row], q: str, *, via: str = "") -> QuerySet[_Row]:
    """Narrow a list to the people whose names hold every word of ``q`` (first, last or
    preferred name, or the exact MIS id); ``via`` is the path from a row to its person
    (``"person__"`` for a list of accounts)."""
    for word in q.split():
        rows = rows.filter(
            Q(**{f"{via}first_name__icontains": word})
            | Q(**{f"{via}last_name__icontains": word})
            | Q(**{f"{via}preferred_name__icontains": word})
            | Q(**{f"{via}mis_id__iexact": word})
        )
    return rows


def _any(conditions: Iterable[Q]) -> Q:
    return reduce(operator.or_, conditions)


def leavers_queryset(
    school: School, *, now: dt.datetime | None = None, include_done: bool = False, q: str = ""
) -> QuerySet[Person]:
    """The people on the leavers' board, in its order, as one query to paginate.

    Everyone with a leaving date in the last year who holds something of any area (an
    account, done or not; a device still out), until they are completed (policy duty
    "Leavers completed only when nothing is left"); completed leavers only with
    ``include_done``. Leavers with something overdue come first, then those with something
    still to do, each by leaving date (their deadlines follow it), then by surname.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    holdings = leaver_holdings(school, now)
    people = Person.objects.filter(
        school=school,
        leaving_date__isnull=False,
        leaving_date__gte=today - dt.timedelta(days=365),
    ).filter(_any(h.holds for h in holdings))
    if not include_done:
        people = people.exclude(
            Exists(LeaverCompletion.objects.filter(school=school, person=OuterRef("pk")))
        )
    return (
        name_search(people, q)
        .annotate(
            board_overdue=ExpressionWrapper(
                _any(h.overdue for h in holdings), output_field=BooleanField()
            ),
            board_open=ExpressionWrapper(
                _any(h.open for h in holdings), output_field=BooleanField()
            ),
        )
        .order_by("-board_overdue", "-board_open", "leaving_date", "last_name", "pk")
    )


def leavers_for(
    school: School, people: list[Person], *, now: dt.datetime | None = None
) -> list[Leaver]:
    """The board's rows for these people (one page of ``leavers_queryset``), in that order:
    each leaver's completion and every area's items, read for these people only."""
    now = now or timezone.now()
    board = {p.pk: Leaver(person=p) for p in people}
    completed = LeaverCompletion.objects.filter(person__in=people).select_related("completed_by")
    for completion in completed:
        board[completion.person_id].completion = completion
    for provider in leaver_providers():
        for person_pk, items in provider(school, people, now).items():
            if person_pk in board:
                board[person_pk].items.extend(items)
    return list(board.values())


def leavers_board(
    school: School, *, now: dt.datetime | None = None, include_done: bool = False, q: str = ""
) -> list[Leaver]:
    """Every leaver on the board (``leavers_queryset``) with their items; the board's page
    reads one page of ``leavers_queryset`` through ``leavers_for`` instead.

    Rows come from providers: accounts here, and whatever other areas register as
    ``ITEMS`` in their ``leavers.py``. A leaver stays until completed (policy duty
    "Leavers completed only when nothing is left"): once every item is done, the board offers
    the completion. Completed leavers drop off unless ``include_done``.
    """
    now = now or timezone.now()
    people = list(leavers_queryset(school, now=now, include_done=include_done, q=q))
    return leavers_for(school, people, now=now)


def overdue_accounts(school: School, *, now: dt.datetime | None = None) -> QuerySet[Account]:
    now = now or timezone.now()
    return Account.objects.filter(
        school=school, state__in=list(LIVE_STATES), removal_deadline__lt=now
    ).select_related("person", "system")


@dataclass(frozen=True)
class PastGraceList:
    """The suspension list: the stored standings of people past the agreement grace period
    (searched, in surname order, one query to page; each row has ``person`` and
    ``past_grace_reason``), and how many of them hold an active or approved account."""

    rows: StoredStandingQuerySet
    with_accounts: int
    without_accounts: int
    count: int | None = None
    """How many ``rows`` there are, where the counts tell it (no search): a paginator
    given it need not count them again."""

    @staticmethod
    def pairs(rows: Iterable[StoredStanding]) -> list[tuple[Person, str]]:
        """Each row's person, and why they are past the grace period."""
        return [(row.person, row.past_grace_reason) for row in rows]


def past_grace_list(
    school: School, *, q: str = "", everyone: bool = False, at: dt.datetime | None = None
) -> PastGraceList:
    """Who is past the agreement grace period: those holding an active or approved account
    (everyone with ``everyone``), narrowed to names matching ``q``. The counts are of the
    whole school, whatever the search."""
    from warden.agreements.selectors import past_grace_standings

    at = at or timezone.now()
    holds = Exists(
        Account.objects.filter(
            school=school, person=OuterRef("person"), state__in=SUSPENDABLE_STATES
        )
    )
    counts = (
        past_grace_standings(school, at=at)
        .annotate(holds_account=holds)
        .aggregate(late=Count("pk"), holding=Count("pk", filter=Q(holds_account=True)))
    )
    with_accounts, without_accounts = counts["holding"], counts["late"] - counts["holding"]
    rows = past_grace_standings(school, at=at, q=q).annotate(holds_account=holds)
    if not everyone:
        rows = rows.filter(holds_account=True)
    # Without a search the rows are everyone counted above (or those holding an account).
    count = None if q else counts["late"] if everyone else with_accounts
    return PastGraceList(rows, with_accounts, without_accounts, count)


def hand_suspensions_pending(school: School) -> QuerySet[HandSuspension]:
    """Accounts suspended in Warden that a technician still has to suspend by hand on their
    system; one re-enabled since (the person signed) has nothing left to do."""
    return (
        HandSuspension.objects.filter(school=school, done_at__isnull=True, step=HandStep.SUSPEND)
        .exclude(account__state=AccountState.ACTIVE)
        .select_related("account", "account__person", "account__system")
        .order_by("account__system__name", "account__person__last_name", "pk")
    )


# --- Access review --------------------------------------------------------------------------


@dataclass(frozen=True)
class Misfit:
    account: Account
    reason: str


def access_misfits(system: System) -> list[Misfit]:
    """Live accounts whose holder no longer fits the system's rules (a leaver, wrong type)."""
    misfits: list[Misfit] = []
    accounts = (
        Account.objects.filter(system=system, state__in=list(LIVE_STATES))
        .filter(_may_misfit(system))
        .select_related("person", "person__school", "system", "system__school")
        .order_by("person__last_name", "person__first_name")
    )
    remote_named = None
    for account in accounts:
        person = account.person
        reason = rules.holder_refusal(system, person) or rules.supply_refusal(system, person)
        if reason is None and (system.remote_access or system.kind == "remote"):
            if remote_named is None:
                remote_named = {p.pk for p in system.remote_people.all()}
            if person.pk not in remote_named:
                reason = f"has remote access but is not among the staff named for {system.name}."
        if reason is None and person.leaving_date is not None:
            reason = f"is leaving on {person.leaving_date:%d/%m/%Y}."
        if reason:
            misfits.append(Misfit(account, reason))
    return misfits


def _may_misfit(system: System) -> Q:
    """The accounts any rule below could refuse, found in SQL: a system serves hundreds of
    people who fit, and only these few are read and asked the rules themselves (whose
    words the review shows). A superset of the misfits: each rule's own test, loosened."""
    person = Q(person__leaving_date__isnull=False) | ~Q(person__school_id=system.school_id)
    if system.allowed_person_types:
        person |= ~Q(person__person_type__in=list(system.allowed_person_types))
    if system.kind == "directory":
        person |= Q(person__person_type=PersonType.SUPPLY_STAFF)
    if system.remote_access or system.kind == "remote":
        person |= ~Q(person__in=system.remote_people.values("pk"))
    return person


@dataclass(frozen=True)
class ReviewSummary:
    system: System
    by_type: list[tuple[str, int]]
    by_state: list[tuple[str, int]]
    last_review: AccessReview | None
    misfits: list[Misfit]


def review_summary(system: System) -> ReviewSummary:
    from warden.people.models import PersonType

    live = Account.objects.filter(system=system, state__in=list(LIVE_STATES))
    types = Counter(live.values_list("person__person_type", flat=True))
    states = Counter(live.values_list("state", flat=True))
    return ReviewSummary(
        system=system,
        by_type=[(PersonType(t).label, n) for t, n in sorted(types.items())],
        by_state=[(AccountState(s).label, n) for s, n in sorted(states.items())],
        last_review=system.reviews.select_related("reviewed_by").first(),
        misfits=access_misfits(system),
    )


def reviews_overview(school: School) -> list[tuple[System, AccessReview | None, int]]:
    systems = list(systems_at(school))
    latest: dict[int, AccessReview] = {}
    for review in AccessReview.objects.filter(school=school).select_related("reviewed_by"):
        latest.setdefault(review.system_id, review)
    return [(s, latest.get(s.pk), getattr(s, "live_count", 0)) for s in systems]


# --- CSV export -----------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


# The columns of a system's accounts file, for systems set up by hand from a spreadsheet.
SYSTEM_EXPORT_COLUMNS: list[Column[Account]] = [
    Column("username", lambda a: a.username),
    Column("state", lambda a: a.state),
    Column("first_name", lambda a: a.person.first_name),
    Column("last_name", lambda a: a.person.last_name),
    Column("person_type", lambda a: a.person.person_type),
    Column("year_group", lambda a: "" if a.person.year_group is None else str(a.person.year_group)),
    Column("form", lambda a: a.person.form),
    Column("email", lambda a: a.person.email),
    Column("mis_id", lambda a: a.person.mis_id),
    Column("expires_at", lambda a: _iso(a.expires_at)),
    Column("removal_deadline", lambda a: _iso(a.removal_deadline)),
]


def system_export_accounts(system: System) -> QuerySet[Account]:
    """The system's accounts (not deleted), for ``SYSTEM_EXPORT_COLUMNS``."""
    return (
        Account.objects.filter(system=system)
        .exclude(state=AccountState.DELETED)
        .select_related("person")
        .order_by("username")
    )
