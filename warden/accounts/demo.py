"""Demo systems and accounts: the standard catalogue, and most staff and pupils set up.

Written in bulk (one ``audit_log_many`` per kind of record) so the demo stays quick; each
account still gets its own audit entry. A few joiners' accounts wait for approval or set-up
so the request flow shows, leavers carry their removal deadlines, and visitors' Wi-Fi
access expires. Adds nothing when run again.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from warden.accounts.models import (
    Account,
    AccountState,
    SupplyPasswordChange,
    System,
    SystemKind,
)
from warden.accounts.services import _username_base, end_of_day, removal_deadline_for
from warden.core.audit import audit_log_many, diff, snapshot
from warden.core.bulk import bulk_insert
from warden.core.models import School
from warden.people.models import Person, PersonType, Status

T, S, SUP, P = (
    PersonType.TEACHING_STAFF,
    PersonType.SUPPORT_STAFF,
    PersonType.SUPPLY_STAFF,
    PersonType.PUPIL,
)
GUESTS = [
    PersonType.VISITOR,
    PersonType.CONTRACTOR,
    PersonType.GOVERNOR,
    PersonType.VOLUNTEER,
    PersonType.COMMUNITY,
]

# (name, kind, who may hold it, personal data, restricted, remote, description)
CATALOGUE: list[tuple[str, str, list[str], bool, bool, bool, str]] = [
    (
        "Network sign-in",
        SystemKind.DIRECTORY,
        [T, S, P],
        True,
        False,
        False,
        "The school network and its shared drives.",
    ),
    ("E-mail", SystemKind.EMAIL, [T, S, P], True, False, False, "Staff and pupil e-mail."),
    ("MIS", SystemKind.MIS, [T, S], True, False, False, "Registers, pupil records, reports."),
    ("Cloud suite", SystemKind.CLOUD, [T, S, P], True, False, False, "Documents and drives."),
    ("Learning platform", SystemKind.LEARNING, [T, P], True, False, False, "Classwork online."),
    (
        "SEND area",
        SystemKind.OTHER,
        [T, S],
        True,
        True,
        False,
        "Restricted: SEND records (agreed with SLT).",
    ),
    (
        "Remote access",
        SystemKind.REMOTE,
        [T, S],
        True,
        False,
        True,
        "Home access to the network for the staff named here.",
    ),
    ("Guest Wi-Fi", SystemKind.GUEST_WIFI, [*GUESTS, SUP], False, False, False, "Internet only."),
    (
        "Generic supply account",
        SystemKind.SUPPLY,
        [SUP],
        False,
        False,
        False,
        "The shared supply staff sign-in: restricted network access; password changed regularly.",
    ),
]

# Which systems each kind of person gets by default.
DEFAULT_SYSTEMS: dict[str, list[str]] = {
    T: ["Network sign-in", "E-mail", "MIS", "Cloud suite", "Learning platform"],
    S: ["Network sign-in", "E-mail", "MIS", "Cloud suite"],
    P: ["Network sign-in", "E-mail", "Cloud suite", "Learning platform"],
    PersonType.VISITOR: ["Guest Wi-Fi"],
    PersonType.CONTRACTOR: ["Guest Wi-Fi"],
    SUP: ["Guest Wi-Fi"],
}


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    with transaction.atomic():
        systems, made = _systems(school)
        created = {"systems": made}
        if Account.objects.filter(school=school).exists():
            return created
        created["accounts"] = _accounts(school, systems, today, seed)
        created["supply password changes"] = _supply_changes(school, systems, today)
    return created


def _systems(school: School) -> tuple[dict[str, System], int]:
    existing = {s.name: s for s in System.objects.filter(school=school)}
    new = [
        System(
            school=school,
            name=name,
            kind=kind,
            allowed_person_types=list(types),
            holds_personal_data=personal,
            restricted=restricted,
            remote_access=remote,
            description=description,
        )
        for name, kind, types, personal, restricted, remote, description in CATALOGUE
        if name not in existing
    ]
    System.objects.bulk_create(new)
    saved = {s.name: s for s in System.objects.filter(school=school)}
    made = [saved[s.name] for s in new]
    audit_log_many(
        actor=None,
        action="system.created",
        items=[(s, diff({}, snapshot(s))) for s in made],
        school=school,
    )
    return saved, len(made)


def _accounts(school: School, systems: dict[str, System], today: dt.date, seed: int) -> int:
    rng = random.Random(f"{seed}-{school.slug}-accounts")
    now = timezone.now()
    people = list(Person.objects.filter(school=school).with_status(today).order_by("pk"))
    taken: dict[int, set[str]] = {s.pk: set() for s in systems.values()}
    remote = systems["Remote access"]
    named = [p for p in people if p.user_id and p.person_type in (T, S)]
    named_ids = {p.pk for p in named}
    rows: list[Account] = []

    def username(person: Person, system: System) -> str:
        base = _username_base(person)
        candidate, n = base, 1
        while candidate in taken[system.pk]:
            n += 1
            candidate = f"{base}{n}"
        taken[system.pk].add(candidate)
        return candidate

    # One recent leaver whose accounts nobody has removed yet, so the board shows an overdue row.
    recent = [
        p
        for p in people
        if p.status == Status.LEFT
        and p.leaving_date
        and today - dt.timedelta(days=10) <= p.leaving_date <= today - dt.timedelta(days=3)
        and p.person_type in DEFAULT_SYSTEMS
    ]
    overdue = recent[0] if recent else None
    # One school, one window: the deadline depends only on the leaving date.
    deadlines: dict[dt.date, dt.datetime] = {}
    for person in people:
        names = list(DEFAULT_SYSTEMS.get(person.person_type, []))
        if person.pk in named_ids:
            names.append("Remote access")
        status = person.status
        for name in names:
            system = systems[name]
            # Keys rather than objects, quicker to set, except the system that each
            # account's description names.
            account = Account(
                school_id=school.pk,
                person_id=person.pk,
                system=system,
                username=username(person, system),
                reason="Demo data",
                requested_at=now,
            )
            if status == Status.JOINING:
                # Joiners show the flow: some wait for SLT, some for technical support.
                account.state = rng.choice([AccountState.REQUESTED, AccountState.APPROVED])
                if account.state == AccountState.APPROVED:
                    account.approved_at = now
            elif status == Status.LEFT and person is not overdue:
                account.state = AccountState.DISABLED
                account.approved_at = account.activated_at = account.disabled_at = now
            else:
                account.state = AccountState.ACTIVE
                account.approved_at = account.activated_at = now
            if person.leaving_date and (status != Status.LEFT or person is overdue):
                deadline = deadlines.get(person.leaving_date)
                if deadline is None:
                    deadline = removal_deadline_for(person, person.leaving_date)
                    deadlines[person.leaving_date] = deadline
                account.removal_deadline = deadline
            if name == "Guest Wi-Fi":
                end = person.leaving_date or today + dt.timedelta(days=1)
                if end < today:
                    end = today
                account.expires_at = end_of_day(end, school)
            rows.append(account)
    if remote.pk and named:
        remote.remote_people.set(named)
    bulk_insert(Account, rows)  # each row now has its key and its stamps
    audit_log_many(
        actor=None,
        action="account.created",
        items=[(a, diff({}, snapshot(a))) for a in rows],
        school=school,
    )
    return len(rows)


def _supply_changes(school: School, systems: dict[str, System], today: dt.date) -> int:
    system = systems["Generic supply account"]
    if SupplyPasswordChange.objects.filter(system=system).exists():
        return 0
    noon = end_of_day(today, school) - dt.timedelta(hours=12)
    changes = [
        SupplyPasswordChange(
            school=school,
            system=system,
            changed_at=noon - dt.timedelta(days=days),
            reason=reason,
        )
        for days, reason in [(70, "Termly change"), (9, "A supply teacher's placement ended")]
    ]
    SupplyPasswordChange.objects.bulk_create(changes)
    saved = list(SupplyPasswordChange.objects.filter(system=system))
    audit_log_many(
        actor=None,
        action="supply_password.changed",
        items=[(c, diff({}, snapshot(c, ["system", "changed_at", "reason"]))) for c in saved],
        school=school,
    )
    return len(saved)


LOADERS = [load]
