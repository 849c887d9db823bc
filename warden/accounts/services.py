"""Every write to systems and accounts goes through these services.

The account flow is the policy duty "New access authorised by SLT" (docs/policy-map.md):
requested (ICT manager or office), approved (headteacher / SLT), provisioned (technician).
Each step checks the rules in ``warden.accounts.rules`` and refuses in their words; each
step is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from warden.accounts import rules
from warden.accounts.models import (
    API_SCOPES,
    LIVE_STATES,
    REMOVAL_WINDOW_HOURS,
    SUSPENDABLE_STATES,
    AccessReview,
    Account,
    AccountsSettings,
    AccountState,
    ApiToken,
    Connector,
    DirectoryKind,
    DirectorySync,
    HandStep,
    HandSuspension,
    LeaverCompletion,
    PasswordHistory,
    PasswordReminder,
    SupplyPasswordChange,
    SyncState,
    System,
    SystemKind,
)
from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import Membership, School, User
from warden.core.registry import collect
from warden.core.roles import Perm, Role
from warden.core.tasks import send_email_on_commit
from warden.core.tenancy import all_schools, school_scope
from warden.people.models import STAFF_TYPES, TEMPORARY_TYPES, Person, PersonType

SYSTEM_FIELDS = (
    "name",
    "kind",
    "description",
    "owner",
    "holds_personal_data",
    "allowed_person_types",
    "restricted",
    "remote_access",
    "connector",
    "ldap_url",
    "ldap_bind_dn",
    "ldap_password_env",
    "ldap_password_file",
    "ldap_people_dn",
    "ldap_groups_dn",
    "directory_kind",
    "ldap_upn_suffix",
    "is_active",
)


# --- Settings -------------------------------------------------------------------------------


def accounts_settings(school: School) -> AccountsSettings:
    """The school's account settings (the policy defaults until someone changes them)."""
    return AccountsSettings.objects.filter(school=school).first() or AccountsSettings(school=school)


@transaction.atomic
def accounts_settings_update(
    *,
    actor: User | None,
    school: School,
    removal_window_hours: int,
    auto_suspend: bool,
    pause_reason: str = "",
    password_max_age_days: int | None = None,
    managed_change_reminder_days: int | None = None,
) -> AccountsSettings:
    """Change the leavers' removal window and automatic suspension for one school.

    Automatic suspension is on by default; pausing it needs a reason, and who paused it,
    when and why stay on the headteacher's home page until it is switched back on.
    """
    refusal = rules.removal_window_refusal(removal_window_hours)
    if refusal:
        raise ServiceError(
            refusal,
            field_errors={"removal_window_hours": [f"Choose 1 to {REMOVAL_WINDOW_HOURS} hours."]},
        )
    current, _ = AccountsSettings.objects.select_for_update().get_or_create(school=school)
    before = snapshot(current)
    pausing = current.auto_suspend and not auto_suspend
    if pausing:
        refusal = rules.pause_refusal(pause_reason)
        if refusal:
            raise ServiceError(refusal, field_errors={"pause_reason": [refusal]})
        current.auto_suspend_paused_at = timezone.now()
        current.auto_suspend_paused_by = actor
        current.auto_suspend_pause_reason = " ".join(pause_reason.split())[:300]
    elif auto_suspend:
        current.auto_suspend_paused_at = None
        current.auto_suspend_paused_by = None
        current.auto_suspend_pause_reason = ""
    current.removal_window_hours = removal_window_hours
    current.auto_suspend = auto_suspend
    if password_max_age_days is not None:
        if not 0 <= password_max_age_days <= 365:
            raise ServiceError(
                "Give the days between password changes, from 1 to 365, or 0 for only when "
                "a password may be compromised.",
                field_errors={"password_max_age_days": ["Choose 0 to 365 days."]},
            )
        current.password_max_age_days = password_max_age_days
    if managed_change_reminder_days is not None:
        if not 0 <= managed_change_reminder_days <= 365:
            raise ServiceError(
                "Give the days between reminders to change passwords on school systems, "
                "from 1 to 365, or 0 for no reminders.",
                field_errors={"managed_change_reminder_days": ["Choose 0 to 365 days."]},
            )
        current.managed_change_reminder_days = managed_change_reminder_days
    changes = diff(before, snapshot(current))
    if changes:
        current.save()
        audit_log(actor=actor, action="accounts_settings.updated", obj=current, changes=changes)
    return current


# --- Systems --------------------------------------------------------------------------------


def _apply_system(system: System, fields: Mapping[str, Any]) -> None:
    set_fields(system, fields, SYSTEM_FIELDS)
    bad_types = set(system.allowed_person_types or []) - set(PersonType.values)
    if bad_types:
        raise ServiceError(f"Unknown person types: {', '.join(sorted(bad_types))}.")
    if not system.name:
        raise ServiceError("Give the system a name.", field_errors={"name": ["Required."]})
    if (
        system.owner_id
        and not Membership.objects.filter(
            Q(school=system.school) | Q(school__isnull=True, trust_id=system.school.trust_id),
            user_id=system.owner_id,
        ).exists()
    ):
        raise ServiceError(
            "The owner must be a Warden user with a role at this school.",
            field_errors={"owner": ["Choose someone with a role at this school."]},
        )
    if system.connector == "ldap" and not (system.ldap_url and system.ldap_people_dn):
        raise ServiceError(
            "An LDAP connector needs at least the server URL and the people base DN.",
            field_errors={"ldap_url": ["Required for an LDAP connector."]},
        )
    if system.directory_kind not in DirectoryKind.values:
        raise ServiceError(
            f"Unknown directory kind {system.directory_kind!r}: choose OpenLDAP or Active "
            "Directory.",
            field_errors={"directory_kind": ["Choose one from the list."]},
        )


def _save_system(system: System) -> None:
    clash = System.objects.filter(school_id=system.school_id, name__iexact=system.name)
    if system.pk:
        clash = clash.exclude(pk=system.pk)
    if clash.exists():
        raise ServiceError(
            f"{system.school} already has a system called {system.name}.",
            field_errors={"name": ["Choose another name."]},
        )
    system.save()


@transaction.atomic
def system_create(*, actor: User | None, school: School, fields: Mapping[str, Any]) -> System:
    """Add a system to the school's catalogue."""
    system = System(school=school)
    _apply_system(system, fields)
    _save_system(system)
    audit_log(actor=actor, action="system.created", obj=system, changes=diff({}, snapshot(system)))
    return system


@transaction.atomic
def system_update(*, actor: User | None, system: System, fields: Mapping[str, Any]) -> System:
    """Change a system's entry in the catalogue."""
    system = System.objects.select_for_update().select_related("school").get(pk=system.pk)
    before = snapshot(system)
    _apply_system(system, fields)
    changes = diff(before, snapshot(system))
    if changes:
        _save_system(system)
        audit_log(actor=actor, action="system.updated", obj=system, changes=changes)
    return system


@transaction.atomic
def system_set_remote_people(
    *, actor: User | None, system: System, people: Iterable[Person]
) -> System:
    """Name the staff who may have remote access through this system (policy duty "Remote
    access only for named staff", docs/policy-map.md)."""
    chosen = list(people)
    for person in chosen:
        if person.school_id != system.school_id:
            raise ServiceError(f"{person} is not at {system.school}.")
    before = sorted(system.remote_people.values_list("pk", flat=True))
    system.remote_people.set(chosen)
    after = sorted(p.pk for p in chosen)
    if before != after:
        audit_log(
            actor=actor,
            action="system.remote_people_set",
            obj=system,
            changes={"remote_people": [before, after]},
        )
    return system


# --- Accounts -------------------------------------------------------------------------------


def end_of_day(day: dt.date, school: School) -> dt.datetime:
    """Midnight at the end of ``day`` in the school's time zone (school dates are local)."""
    zone = ZoneInfo(school.timezone or "Europe/London")
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)


def removal_deadline_for(person: Person, leaving_date: dt.date) -> dt.datetime:
    """Leaving day's end + the school's window (duty "Leavers' accounts removed within 48
    hours")."""
    window = accounts_settings(person.school).removal_window_hours
    return end_of_day(leaving_date, person.school) + dt.timedelta(hours=window)


def _username_base(person: Person) -> str:
    def letters(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]", "", plain.lower())

    first = letters(person.preferred_name or person.first_name)
    return (first[:1] + "." + letters(person.last_name)).strip(".") or f"user{person.pk}"


def suggest_username(person: Person, system: System) -> str:
    """``a.smith``, then ``a.smith2``..., unique among the system's accounts."""
    base = _username_base(person)
    taken = set(
        Account.objects.filter(system=system, username__startswith=base)
        .exclude(state=AccountState.DELETED)
        .values_list("username", flat=True)
    )
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


class AccountRefused(ServiceError):
    """A refusal by one of the access rules (``warden.accounts.rules``), in its words, with
    the next step out of it: pages that handle many accounts at once show both."""

    def __init__(self, message: str, *, next_step: rules.NextStep):
        super().__init__(message)
        self.next_step = next_step


def _holder_refusal(system: System, person: Person) -> rules.Refusal | None:
    reason = rules.holder_refusal(system, person)
    if reason:
        return rules.Refusal(reason, rules.holder_next_step(system, person))
    reason = rules.supply_refusal(system, person)
    if reason:
        return rules.Refusal(reason, rules.SUPPLY_NEXT_STEP)
    reason = rules.remote_access_refusal(system, person)
    if reason:
        return rules.Refusal(reason, rules.remote_access_next_step(system, person))
    # Areas above accounts refuse too, through ``<app>/account_gates.py`` (``REFUSALS``:
    # callables ``(system, person) -> rules.Refusal | None``), e.g. the data-protection
    # area for a pupil on a system whose processor record is not approved.
    for gate in collect("account_gates", "REFUSALS"):
        refusal: rules.Refusal | None = gate(system, person)
        if refusal:
            return refusal
    return None


def _expiry_refusal(person: Person, expires_at: dt.datetime | None) -> rules.Refusal | None:
    reason = rules.expiry_refusal(person, expires_at)
    return rules.Refusal(reason, rules.EXPIRY_NEXT_STEP) if reason else None


def _refuse(person: Person, refusal: rules.Refusal | None) -> None:
    if refusal:
        raise AccountRefused(f"{person} {refusal.reason}", next_step=refusal.next_step)


def _locked(account: Account) -> Account:
    return (
        Account.objects.select_for_update()
        .select_related("school", "school__trust", "person", "person__school", "system")
        .get(pk=account.pk)
    )


def _expect(account: Account, states: set[str], verb: str) -> None:
    if account.state not in states:
        wanted = " or ".join(sorted(AccountState(s).label.lower() for s in states))
        raise ServiceError(
            f"{account} is {account.get_state_display().lower()}; only {wanted} accounts "
            f"can be {verb}."
        )


def _log(actor: User | None, action: str, account: Account, before: dict[str, Any]) -> None:
    audit_log(actor=actor, action=action, obj=account, changes=diff(before, snapshot(account)))


@transaction.atomic
def account_request(
    *,
    actor: User | None,
    person: Person,
    system: System,
    username: str = "",
    reason: str = "",
    expires_at: dt.datetime | None = None,
) -> Account:
    """Ask for an account for someone on a system; SLT then approve it.

    Refused, in the rule's words, when the person may not hold this system. Supply staff,
    visitors and contractors need an end date: their leaving date is used when none is given.
    """
    if not system.is_active:
        raise ServiceError(f"{system} is no longer in use; choose another system.")
    _refuse(person, _holder_refusal(system, person))
    if expires_at is None and person.person_type in TEMPORARY_TYPES and person.leaving_date:
        expires_at = end_of_day(person.leaving_date, person.school)
    _refuse(person, _expiry_refusal(person, expires_at))
    existing = (
        Account.objects.filter(person=person, system=system)
        .exclude(state=AccountState.DELETED)
        .first()
    )
    if existing is not None:
        raise ServiceError(
            f"{person} already has an account on {system} ({existing.username}, "
            f"{existing.get_state_display().lower()})."
        )
    username = (username or "").strip() or suggest_username(person, system)
    now = timezone.now()
    account = Account(
        school=system.school,
        person=person,
        system=system,
        username=username,
        state=AccountState.REQUESTED,
        reason=reason.strip(),
        requested_at=now,
        requested_by=actor,
        expires_at=expires_at,
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ServiceError(
            f"The username {username} is already used on {system}; choose another.",
            field_errors={"username": ["Already used on this system."]},
        ) from None
    audit_log(
        actor=actor, action="account.requested", obj=account, changes=diff({}, snapshot(account))
    )
    return account


@transaction.atomic
def account_approve(*, actor: User | None, account: Account) -> Account:
    """SLT authorise a requested account (restricted systems need the restricted right).

    ``actor=None`` (the system itself, as in the demo) skips the approver check; every page
    and command passes the signed-in user.
    """
    account = _locked(account)
    _expect(account, {AccountState.REQUESTED}, "approved")
    refusal = rules.approval_refusal(account.system, actor, account.school) if actor else None
    if refusal and actor is not None:
        raise AccountRefused(
            f"You {refusal}",
            next_step=rules.approval_next_step(account.system, actor, account.school),
        )
    _refuse(account.person, _holder_refusal(account.system, account.person))
    before = snapshot(account)
    account.state = AccountState.APPROVED
    account.approved_at = timezone.now()
    account.approved_by = actor
    _set_deadline_if_leaving(account)
    account.save()
    _log(actor, "account.approved", account, before)
    return account


def _set_deadline_if_leaving(account: Account) -> None:
    if account.person.leaving_date and account.removal_deadline is None:
        account.removal_deadline = removal_deadline_for(account.person, account.person.leaving_date)


def activation_check(account: Account, *, at: dt.datetime | None = None) -> rules.Refusal | None:
    """Why this account may not become active now, and what to do about it (the check the
    service makes)."""
    refusal = _holder_refusal(account.system, account.person) or (
        _expiry_refusal(account.person, account.expires_at) if account.expires_at else None
    )
    if refusal:
        return refusal
    reason = rules.agreement_refusal(account.person, at=at)
    if reason:
        return rules.Refusal(reason, rules.agreement_next_step(account.person, at=at))
    return None


def activation_refusal(account: Account, *, at: dt.datetime | None = None) -> str | None:
    """Why this account may not become active now, in the rule's words."""
    refusal = activation_check(account, at=at)
    return refusal.reason if refusal else None


@transaction.atomic
def account_activate(*, actor: User | None, account: Account) -> Account:
    """Provision an approved account: only once its holder has a current signed agreement."""
    account = _locked(account)
    _expect(account, {AccountState.APPROVED}, "activated")
    _refuse(account.person, activation_check(account))
    before = snapshot(account)
    account.state = AccountState.ACTIVE
    account.activated_at = timezone.now()
    account.activated_by = actor
    _set_deadline_if_leaving(account)
    account.save()
    _log(actor, "account.activated", account, before)
    return account


@transaction.atomic
def account_suspend(*, actor: User | None, account: Account, reason: str) -> Account:
    """Stop an active account for now, saying why; it can be re-enabled later."""
    account = _locked(account)
    _expect(account, {AccountState.ACTIVE}, "suspended")
    if not reason.strip():
        raise ServiceError(
            "Say why the account is suspended.", field_errors={"reason": ["Required."]}
        )
    before = snapshot(account)
    account.state = AccountState.SUSPENDED
    account.suspended_at = timezone.now()
    account.suspended_by = actor
    account.suspension_reason = reason.strip()[:300]
    account.save()
    _log(actor, "account.suspended", account, before)
    return account


def hold_refusal(account: Account) -> str | None:
    """Why another area holds this account suspended (a sanction in force), or None.

    Areas above accounts answer through ``<app>/account_holds.py`` (``HOLDS``), so the
    accounts area need not know about incidents.
    """
    for hold in collect("account_holds", "HOLDS"):
        refusal: str | None = hold(account)
        if refusal:
            return f"{account} {refusal}"
    return None


@transaction.atomic
def account_reenable(*, actor: User | None, account: Account) -> Account:
    """Bring a suspended or disabled account back, after the same checks as activation."""
    account = _locked(account)
    _expect(account, {AccountState.SUSPENDED, AccountState.DISABLED}, "re-enabled")
    held = hold_refusal(account)
    if held:
        raise ServiceError(held)
    _refuse(account.person, activation_check(account))
    before = snapshot(account)
    account.state = AccountState.ACTIVE
    account.activated_at = timezone.now()
    account.activated_by = actor
    account.suspension_reason = ""
    account.save()
    _log(actor, "account.reenabled", account, before)
    return account


@transaction.atomic
def account_disable(*, actor: User | None, account: Account, reason: str = "") -> Account:
    """Turn an account off (a leaver, an expiry); the row and its history stay."""
    account = _locked(account)
    _expect(
        account,
        {AccountState.REQUESTED, *LIVE_STATES},
        "disabled",
    )
    before = snapshot(account)
    account.state = AccountState.DISABLED
    account.disabled_at = timezone.now()
    account.disabled_by = actor
    if reason:
        account.suspension_reason = reason.strip()[:300]
    account.save()
    _log(actor, "account.disabled", account, before)
    return account


@transaction.atomic
def account_delete(*, actor: User | None, account: Account) -> Account:
    """Mark a disabled (or never approved) account deleted; the record is kept as history."""
    account = _locked(account)
    _expect(account, {AccountState.DISABLED, AccountState.REQUESTED}, "deleted")
    before = snapshot(account)
    account.state = AccountState.DELETED
    account.deleted_at = timezone.now()
    account.deleted_by = actor
    account.save()
    _log(actor, "account.deleted", account, before)
    return account


@transaction.atomic
def account_set_expiry(
    *, actor: User | None, account: Account, expires_at: dt.datetime | None
) -> Account:
    """Change when a temporary account ends."""
    account = _locked(account)
    _refuse(account.person, _expiry_refusal(account.person, expires_at))
    before = snapshot(account)
    account.expires_at = expires_at
    changes = diff(before, snapshot(account))
    if changes:
        account.save()
        audit_log(actor=actor, action="account.expiry_set", obj=account, changes=changes)
    return account


# --- Bulk (a whole intake) ------------------------------------------------------------------


BULK_ACTIONS = {"request": "Request", "approve": "Approve", "activate": "Activate"}


@dataclass
class BulkRow:
    person: Person
    system: System
    outcome: str  # "done", "skipped" or "refused"
    message: str = ""
    # For a refusal by an access rule: what to do about it, and where.
    next_step: rules.NextStep | None = None
    account: Account | None = None


@dataclass
class BulkReport:
    action: str
    rows: list[BulkRow] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def done(self) -> int:
        return self.count("done")

    @property
    def refused(self) -> list[BulkRow]:
        return [r for r in self.rows if r.outcome == "refused"]

    @property
    def skipped(self) -> int:
        return self.count("skipped")


def accounts_bulk(
    *,
    actor: User | None,
    school: School,
    action: str,
    people: Iterable[Person],
    systems: Iterable[System],
    reason: str = "",
) -> BulkReport:
    """Request, approve or activate accounts for many people at once (a new Year 7).

    Each person and system is its own step: one refusal (no signed agreement, wrong type)
    does not stop the rest, and the report says, per person, what happened and why.
    """
    if action not in BULK_ACTIONS:
        raise ServiceError(f"Unknown bulk action {action!r}.")
    chosen_systems = list(systems)
    for system in chosen_systems:
        if system.school_id != school.pk:
            raise ServiceError(f"{system} is not one of {school}'s systems.")
    report = BulkReport(action=action)
    accounts = {
        (a.person_id, a.system_id): a
        for a in Account.objects.filter(school=school, system__in=chosen_systems).exclude(
            state=AccountState.DELETED
        )
    }
    for person in people:
        if person.school_id != school.pk:
            raise ServiceError(f"{person} is not at {school}.")
        for system in chosen_systems:
            existing = accounts.get((person.pk, system.pk))
            report.rows.append(_bulk_step(actor, action, person, system, existing, reason))
    return report


def accounts_approve(
    *, actor: User | None, school: School, accounts: Iterable[Account]
) -> BulkReport:
    """Approve the requested accounts a person ticked (policy duty "New access authorised by
    SLT"): each as ``account_approve`` does it, on its own, so one refusal (a restricted
    system, someone the system is not for) does not stop the rest, and nothing of a refused
    one is written. The report says, per account, what happened, and for a refusal the
    rule's words and the next step. Refused as a whole for someone without the right."""
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_APPROVE, school):
        raise ServiceError(
            "You cannot approve: account requests are approved by the headteacher or SLT."
        )
    return _chosen_steps(actor, school, "approve", accounts)


def accounts_activate(
    *, actor: User | None, school: School, accounts: Iterable[Account]
) -> BulkReport:
    """Activate the approved accounts a person ticked: each as ``account_activate`` does it,
    behind the agreement gate, on its own; the report says, per account, what happened,
    and for a refusal the rule's words and the next step. Refused as a whole for someone
    who does not set up accounts."""
    if actor is not None and not has_perm(actor, Perm.ACCOUNTS_PROVISION, school):
        raise ServiceError(
            "You cannot activate accounts: they are set up by the ICT manager or a technician."
        )
    return _chosen_steps(actor, school, "activate", accounts)


def _chosen_steps(
    actor: User | None, school: School, action: str, accounts: Iterable[Account]
) -> BulkReport:
    report = BulkReport(action=action)
    for account in accounts:
        if account.school_id != school.pk:
            raise ServiceError(f"{account} is not at {school}.")
        report.rows.append(
            _bulk_step(actor, action, account.person, account.system, account, reason="")
        )
    return report


def _bulk_step(
    actor: User | None,
    action: str,
    person: Person,
    system: System,
    existing: Account | None,
    reason: str,
) -> BulkRow:
    wanted = {
        "request": None,
        "approve": AccountState.REQUESTED,
        "activate": AccountState.APPROVED,
    }[action]
    # A request is made only where there is no account; the other steps take an account in
    # the state before theirs.
    if existing is not None and existing.state != wanted:
        already = f"already {existing.get_state_display().lower()}"
        return BulkRow(person, system, "skipped", already, account=existing)
    if existing is None and action != "request":
        return BulkRow(person, system, "skipped", "no account requested")
    try:
        if action == "request":
            done = account_request(actor=actor, person=person, system=system, reason=reason)
        elif action == "approve":
            assert existing is not None
            done = account_approve(actor=actor, account=existing)
        else:
            assert existing is not None
            done = account_activate(actor=actor, account=existing)
    except AccountRefused as exc:
        return BulkRow(person, system, "refused", exc.message, exc.next_step, existing)
    except ServiceError as exc:
        return BulkRow(person, system, "refused", exc.message, account=existing)
    return BulkRow(person, system, "done", account=done)


# --- Leavers, expiries and deadlines --------------------------------------------------------


@transaction.atomic
def leaver_deadlines_set(*, actor: User | None, person: Person, leaving_date: dt.date) -> int:
    """Give every live account of a leaver its removal deadline (policy duty "Leavers'
    accounts removed within 48 hours", docs/policy-map.md).

    Called when a leaving date is set (by hand, or by the MIS import marking missing people as
    leaving). A changed leaving date moves the deadline and re-arms the overdue notice.
    """
    deadline = removal_deadline_for(person, leaving_date)
    # Remote access has no window (policy duty "Remote access only for named staff": removed
    # immediately when a member of staff leaves): it ends when leaving is recorded for a
    # leaving day that has come, and otherwise at the end of the leaving day, when the
    # hourly run disables it.
    leaves_at = end_of_day(leaving_date, person.school)
    left = leaving_date <= timezone.localdate(timezone.now(), ZoneInfo(person.school.timezone))
    changed = 0
    accounts = Account.objects.select_for_update().filter(person=person, state__in=LIVE_STATES)
    for account in accounts.select_related("system"):
        remote = rules.is_remote_access(account.system)
        if remote and left:
            account_disable(actor=actor, account=account, reason=rules.REMOTE_LEAVER_WORDS)
            changed += 1
            continue
        wanted = leaves_at if remote else deadline
        if account.removal_deadline == wanted:
            continue
        before = snapshot(account)
        account.removal_deadline = wanted
        account.overdue_notified_at = None
        account.save(update_fields=["removal_deadline", "overdue_notified_at", "updated_at"])
        _log(actor, "account.removal_deadline_set", account, before)
        changed += 1
    return changed


@transaction.atomic
def leaver_complete(*, actor: User | None, person: Person, note: str = "") -> LeaverCompletion:
    """Sign a leaver off once every area has nothing left open for them (accounts disabled or
    deleted, equipment checked in or written off); refused in the rule's words otherwise."""
    from warden.accounts.selectors import leaver_items

    person = Person.objects.select_for_update().get(pk=person.pk)
    if LeaverCompletion.objects.filter(person=person).exists():
        raise ServiceError(f"{person} has already been completed as a leaver.")
    outstanding = [
        f"{item.label} ({item.state_label.lower()})"
        for item in leaver_items(person)
        if not item.done
    ]
    refusal = rules.leaver_completion_refusal(person, outstanding)
    if refusal:
        raise ServiceError(refusal)
    completion = LeaverCompletion.objects.create(
        school=person.school,
        person=person,
        completed_at=timezone.now(),
        completed_by=actor,
        note=note.strip()[:300],
    )
    audit_log(
        actor=actor,
        action="leaver.completed",
        obj=person,
        school=person.school,
        changes={"completed_at": [None, completion.completed_at.isoformat()]},
    )
    return completion


LEAVER_DISABLE_REASON = "Leaver: every account disabled at once from the leavers' board"


@dataclass(frozen=True)
class LeaverDisableStep:
    """What disabling all of a leaver's accounts does to one of them."""

    account: Account
    # Warden writes the system's directory itself; otherwise a technician is asked to
    # disable the account there by hand.
    connected: bool

    @property
    def description(self) -> str:
        system = self.account.system.name
        if self.connected:
            return f"Disabled in Warden, and in the {system} directory at once."
        return (
            f"Disabled in Warden; a task to disable it by hand on {system} stays on the "
            "leavers' board until someone confirms it is done."
        )


def leaver_disable_plan(person: Person) -> list[LeaverDisableStep]:
    """What ``leaver_accounts_disable`` would do now: each of the person's live accounts
    and how it is disabled (the confirmation page lists this before anything happens)."""
    return [
        LeaverDisableStep(account, is_connected(account.system))
        for account in Account.objects.filter(person=person, state__in=LIVE_STATES)
        .select_related("system")
        .order_by("system__name", "pk")
    ]


@dataclass
class LeaverDisableReport:
    person: Person
    disabled: list[Account] = field(default_factory=list)
    by_hand: list[Account] = field(default_factory=list)
    directories_written: list[System] = field(default_factory=list)
    directory_errors: list[str] = field(default_factory=list)


def leaver_accounts_disable(
    *, actor: User | None, person: Person, reason: str = LEAVER_DISABLE_REASON
) -> LeaverDisableReport:
    """Disable every live account of a leaver at once (policy duty "Leavers' accounts
    removed within 48 hours", docs/policy-map.md).

    Each account is disabled and audited as the single disable does it. Accounts on a
    directory Warden is connected to are then written there at once, as the deadline run
    writes them (audited as a sync; an unreachable directory is recorded as a failed sync
    and named in the report, the account staying disabled in Warden). Every other account
    gets a task to disable it by hand on its system, which keeps the leaver open on the
    board until a technician confirms it. Refused for someone with no leaving date; run
    again, it finds nothing live and changes nothing.
    """
    if person.leaving_date is None:
        raise ServiceError(
            f"{person} has no leaving date, so their accounts are not a leaver's: record the "
            "leaving date on their page first, or disable each account on its own."
        )
    report = LeaverDisableReport(person=person)
    connected: dict[int, list[Account]] = {}
    with transaction.atomic():
        # One run at a time per leaver: a second waits, then finds nothing live.
        list(Person.objects.select_for_update().filter(pk=person.pk))
        for step in leaver_disable_plan(person):
            account = account_disable(actor=actor, account=step.account, reason=reason)
            report.disabled.append(account)
            if step.connected:
                connected.setdefault(account.system_id, []).append(account)
            else:
                _hand_suspension_open(
                    actor=actor, account=account, reason=reason, step=HandStep.DISABLE
                )
                report.by_hand.append(account)
    for accounts in connected.values():
        system = accounts[0].system
        sync = _directory_disable_apply(system, [a.pk for a in accounts])
        if sync.error:
            report.directory_errors.append(f"{system}: {sync.error}")
        else:
            report.directories_written.append(system)
    return report


@dataclass
class DeadlineReport:
    notified: int = 0
    expired: int = 0
    schools_told: list[str] = field(default_factory=list)
    # Leavers' accounts disabled at their deadline: remote access, and accounts on a
    # directory Warden is connected to (disabled there too).
    disabled: int = 0
    directory_errors: list[str] = field(default_factory=list)


def is_connected(system: System) -> bool:
    """Whether Warden writes this system's accounts itself (an active directory connector)."""
    return system.connector == Connector.LDAP and system.is_active


def automatic_at_deadline(system: System) -> bool:
    """Whether a leaver's account on ``system`` is disabled by Warden itself when its
    removal deadline passes (duties "Leavers' accounts removed within 48 hours" and "Remote
    access only for named staff"): remote access, and any system whose directory Warden is
    connected to. Others are e-mailed to the ICT manager and SIRO to remove by hand."""
    return rules.is_remote_access(system) or is_connected(system)


def leaver_notice_recipients(school: School) -> list[str]:
    """E-mail addresses of the school's ICT manager(s) and SIRO(s), who are told when a
    leaver's removal deadline passes (duty "Leavers' accounts removed within 48 hours")."""
    emails = (
        User.objects.filter(
            Q(memberships__school=school)
            | Q(memberships__school__isnull=True, memberships__trust_id=school.trust_id),
            memberships__role__in=[Role.ICT_MANAGER, Role.SIRO],
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(emails))


def deadlines_process(
    *, school: School | None = None, now: dt.datetime | None = None
) -> DeadlineReport:
    """Tell the ICT manager and SIRO about passed removal deadlines; disable expired accounts.

    Each overdue account is reported once. Supply, visitor and contractor accounts whose
    expiry has passed are disabled (duty "Temporary access ends on a set date").
    """
    now = now or timezone.now()
    report = DeadlineReport()
    live = Account.objects.filter(state__in=LIVE_STATES)
    if school is not None:
        live = live.filter(school=school)
    for account in live.filter(expires_at__lte=now).select_related("person", "system"):
        account_disable(actor=None, account=account, reason="Expired")
        report.expired += 1
    _disable_at_deadline(live, now, report)
    overdue = (
        live.filter(removal_deadline__lt=now, overdue_notified_at__isnull=True)
        .select_related("school", "school__trust", "person", "system")
        .order_by("school_id", "removal_deadline", "pk")
    )
    by_school: dict[int, list[Account]] = {}
    for account in overdue:
        by_school.setdefault(account.school_id, []).append(account)
    for accounts in by_school.values():
        if _notify_overdue(accounts, now):
            report.notified += len(accounts)
            report.schools_told.append(accounts[0].school.name)
    return report


def _disable_at_deadline(live: QuerySet[Account], now: dt.datetime, report: DeadlineReport) -> None:
    """Disable leavers' accounts past their deadline where Warden can (``automatic_at_deadline``),
    then write each connected directory's part of it: only those accounts' entries, the
    changes the leavers' board previewed (``leaver_directory_preview``)."""
    by_system: dict[int, list[Account]] = {}
    for account in live.filter(removal_deadline__lt=now).select_related("system", "person"):
        if not automatic_at_deadline(account.system):
            continue
        account_disable(
            actor=None,
            account=account,
            reason="Leaver: removal deadline passed (ICT security policy §8g)",
        )
        report.disabled += 1
        if account.system.connector == Connector.LDAP:
            by_system.setdefault(account.system_id, []).append(account)
    for accounts in by_system.values():
        sync = _directory_disable_apply(accounts[0].system, [a.pk for a in accounts])
        if sync.error:
            report.directory_errors.append(f"{accounts[0].system}: {sync.error}")


def _directory_disable_apply(
    system: System, account_ids: list[int], *, what: str = "leavers"
) -> DirectorySync:
    """Write the disabling of these (already disabled or suspended) accounts to the
    directory, audited as a sync by Warden under ``what`` (leavers, or lapsed agreements);
    a directory that cannot be reached is recorded as a failed sync."""
    from warden.accounts import directory

    now = timezone.now()
    try:
        changes = directory.leaver_changes(system, account_ids, as_disabled=False)
    except ServiceError as exc:
        changes, applied, error = [], 0, exc.message
    else:
        applied, error = directory.apply_changes(system, changes) if changes else (0, "")
    with transaction.atomic():
        sync = DirectorySync.objects.create(
            school=system.school,
            system=system,
            planned_at=now,
            changes=changes,
            state=SyncState.FAILED if error else SyncState.APPLIED,
            applied_at=timezone.now(),
            applied_count=applied,
            error=error,
        )
        audit_log(
            actor=None,
            action="directory_sync.failed" if error else "directory_sync.applied",
            obj=sync,
            changes={what: [None, account_ids], "applied": [None, applied]},
        )
    return sync


def leaver_directory_preview(
    school: School, *, people: list[Person] | None = None
) -> list[LeaverDirectoryPreview]:
    """The dry run of what the hourly run will write to each connected directory when the
    leavers' deadlines pass: per system, the leavers' accounts still live there and the
    directory changes disabling them makes (nothing is written). ``people``: only these
    leavers' accounts (the board's page)."""
    from warden.accounts import directory

    pending = (
        Account.objects.filter(
            school=school,
            state__in=LIVE_STATES,
            removal_deadline__isnull=False,
            system__connector=Connector.LDAP,
            system__is_active=True,
        )
        .select_related("system", "person")
        .order_by("system__name", "removal_deadline", "pk")
    )
    if people is not None:
        pending = pending.filter(person__in=people)
    by_system: dict[int, list[Account]] = {}
    for account in pending:
        by_system.setdefault(account.system_id, []).append(account)
    previews = []
    for accounts in by_system.values():
        system = accounts[0].system
        try:
            changes = directory.leaver_changes(system, [a.pk for a in accounts], as_disabled=True)
        except ServiceError as exc:
            previews.append(LeaverDirectoryPreview(system, accounts, [], exc.message))
        else:
            previews.append(LeaverDirectoryPreview(system, accounts, changes, ""))
    return previews


@dataclass
class LeaverDirectoryPreview:
    system: System
    accounts: list[Account]
    changes: list[dict[str, Any]]
    error: str


@transaction.atomic
def _notify_overdue(accounts: list[Account], now: dt.datetime) -> bool:
    school = accounts[0].school
    recipients = leaver_notice_recipients(school)
    if not recipients:
        # Nobody to tell: leave them un-notified so the next run tries again.
        return False
    zone = ZoneInfo(school.timezone or "Europe/London")
    lines = [
        f"- {a.person} ({a.person.get_person_type_display()}): {a.username} on {a.system}, "
        f"due by {a.removal_deadline.astimezone(zone):%d/%m/%Y %H:%M}"
        for a in accounts
        if a.removal_deadline
    ]
    body = (
        f"These leavers' accounts at {school.name} were not removed by their deadline "
        "(ICT security policy §8g: within 48 hours of leaving):\n\n"
        + "\n".join(lines)
        + "\n\nDisable them from the leavers' board in Warden."
    )
    send_email_on_commit(
        subject=f"Overdue leavers' accounts at {school.name} ({len(accounts)})",
        body=body,
        to=recipients,
    )
    for account in accounts:
        before = snapshot(account)
        account.overdue_notified_at = now
        account.save(update_fields=["overdue_notified_at", "updated_at"])
        _log(None, "account.overdue_notified", account, before)
    return True


# --- Agreement gate enforcement ------------------------------------------------------------


def suspension_candidates(
    school: School,
    *,
    at: dt.datetime | None = None,
    late: list[tuple[Person, str]] | None = None,
) -> list[tuple[Person, str, list[Account]]]:
    """People past the agreement grace period, why, and their active (or approved)
    accounts. ``late``: only these people and reasons (one page of the suspension list),
    whose accounts alone are read; everyone past the grace period otherwise."""
    if late is None:
        from warden.agreements.selectors import people_past_grace

        late = people_past_grace(school, at=at)
    accounts: dict[int, list[Account]] = {}
    for account in (
        Account.objects.filter(
            school=school, person__in=[p for p, _ in late], state__in=SUSPENDABLE_STATES
        )
        .select_related("system")
        .order_by("system__name", "pk")
    ):
        accounts.setdefault(account.person_id, []).append(account)
    return [(person, reason, accounts.get(person.pk, [])) for person, reason in late]


def agreements_enforce(
    *, actor: User | None, school: School, at: dt.datetime | None = None, force: bool = False
) -> int:
    """Suspend the active accounts of everyone past the agreement grace period.

    Runs daily for schools that turned on automatic suspension (``force`` for the button on
    the suspension list). Accounts on a connected directory are disabled there too; every
    other system gets a task on the suspension list to suspend the account there by hand
    (``hand_suspension_done`` records it). Nothing is ever restored automatically: a
    suspended account comes back only when someone re-enables it after the person signs.
    """
    if not force and not accounts_settings(school).auto_suspend:
        return 0
    suspended = 0
    connected: dict[int, list[Account]] = {}
    for _person, reason, accounts in suspension_candidates(school, at=at):
        for account in accounts:
            if account.state != AccountState.ACTIVE:
                continue
            why = f"Agreement grace period passed: {reason}"
            account_suspend(actor=actor, account=account, reason=why)
            suspended += 1
            if is_connected(account.system):
                connected.setdefault(account.system_id, []).append(account)
            else:
                _hand_suspension_open(actor=actor, account=account, reason=why)
    for accounts in connected.values():
        _directory_disable_apply(
            accounts[0].system, [a.pk for a in accounts], what="agreement_lapsed"
        )
    return suspended


@transaction.atomic
def _hand_suspension_open(
    *, actor: User | None, account: Account, reason: str, step: str = HandStep.SUSPEND
) -> HandSuspension:
    """List ``account`` for a technician to suspend (or disable) by hand on its system.

    An account has one open task at a time: one still open to suspend it becomes a task to
    disable it when the account is disabled (that is what its system needs now)."""
    task, created = HandSuspension.objects.select_for_update().get_or_create(
        account=account,
        done_at=None,
        defaults={
            "school": account.school,
            "step": step,
            "reason": reason[:300],
            "created_at": timezone.now(),
        },
    )
    if created:
        changes = {"account": [None, str(account)], "reason": [None, task.reason]}
    elif task.step != step:
        changes = {"step": [task.step, step], "reason": [task.reason, reason[:300]]}
        task.step, task.reason = step, reason[:300]
        task.save(update_fields=["step", "reason"])
    else:
        return task
    audit_log(
        actor=actor,
        action="hand_disable.listed" if step == HandStep.DISABLE else "hand_suspension.listed",
        obj=task,
        school=account.school,
        changes=changes,
    )
    return task


@transaction.atomic
def hand_suspension_done(*, actor: User | None, task: HandSuspension) -> HandSuspension:
    """Record that the account was suspended (or disabled) by hand on its system (a
    technician's word).

    Refused when it was already confirmed, or when the account is live again in Warden (it
    was re-enabled after the person signed, so there is nothing left to suspend).
    """
    task = HandSuspension.objects.select_for_update().select_related("account").get(pk=task.pk)
    done = "disabled" if task.step == HandStep.DISABLE else "suspended"
    if task.done_at is not None:
        raise ServiceError(f"{task.account} was already confirmed as {done} by hand.")
    if task.account.state == AccountState.ACTIVE:
        raise ServiceError(
            f"{task.account} is active again in Warden (re-enabled after signing): "
            "leave it as it is on the system."
        )
    before = snapshot(task)
    task.done_at = timezone.now()
    task.done_by = actor
    task.save(update_fields=["done_at", "done_by"])
    audit_log(
        actor=actor,
        action="hand_disable.done" if task.step == HandStep.DISABLE else "hand_suspension.done",
        obj=task,
        changes=diff(before, snapshot(task)),
    )
    return task


# --- Warden sign-ins -----------------------------------------------------------------------


@transaction.atomic
def sign_in_password_change_required(
    *, user: User, because: Literal["breached", "expired"]
) -> None:
    """The password a user just signed in with is on the breached-password list, or older
    than the school's maximum age (``password_expired``): they must change it before
    anything else (the sign-in guard holds ``must_change_password``)."""
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True
    audit_log(actor=user, action=f"user.password_{because}", obj=user)


def password_expired(user: User, *, now: dt.datetime | None = None) -> bool:
    """Whether the user's Warden password is older than the strictest maximum age among
    their schools (0 at a school: never for age alone). Age counts from the last change
    Warden recorded; a password set before Warden kept them has no age yet."""
    from warden.core.access import visible_school_ids

    school_ids = visible_school_ids(user)
    # One read for all the user's schools; a school that never changed its settings has
    # the default age. Asked at sign-in too, before the request's scope knows the user.
    with school_scope(school_ids):
        chosen = dict(
            AccountsSettings.objects.filter(school_id__in=school_ids).values_list(
                "school_id", "password_max_age_days"
            )
        )
    default = AccountsSettings._meta.get_field("password_max_age_days").get_default()
    limits = [days for days in (chosen.get(pk, default) for pk in school_ids) if days]
    last = PasswordHistory.objects.filter(user=user).values_list("set_at", flat=True).first()
    if not limits or last is None:
        return False
    return (now or timezone.now()) - last > dt.timedelta(days=min(limits))


# --- Passwords on the school's own systems ---------------------------------------------------

# Systems whose passwords are not a person's own: the generic supply account has its own
# record of changes, and guest Wi-Fi codes are handed out.
_NO_REMINDER_KINDS = (SystemKind.SUPPLY, SystemKind.GUEST_WIFI)
# When a directory says a password is old, remind again after this long, not every day.
REMINDER_REPEAT = dt.timedelta(days=7)


def password_reminders_send(*, school: School, now: dt.datetime | None = None) -> int:
    """E-mail each member of staff whose password on a school system is due for a change.

    Policy duty "Passwords changed, not reused" (docs/policy-map.md) with the school's
    ``managed_change_reminder_days`` (0: no reminders, NCSC's advice). A connected
    directory says when each password was last changed (``directory.password_changes``);
    elsewhere Warden counts from the last reminder, or from when the account was set up.
    One e-mail per person lists every system due; returns how many people were reminded.
    """
    days = accounts_settings(school).managed_change_reminder_days
    if not days:
        return 0
    now = now or timezone.now()
    age = dt.timedelta(days=days)
    accounts = list(
        Account.objects.filter(
            school=school,
            state=AccountState.ACTIVE,
            system__is_active=True,
            person__person_type__in=STAFF_TYPES,
        )
        .exclude(system__kind__in=_NO_REMINDER_KINDS)
        .exclude(person__email="")
        .select_related("person", "system")
        .order_by("person__last_name", "person__first_name", "person_id", "system__name")
    )
    last_reminded = {
        row["account"]: row["last"]
        for row in PasswordReminder.objects.filter(account__in=accounts)
        .values("account")
        .annotate(last=Max("sent_at"))
    }
    changed = _directory_password_changes({a.system for a in accounts if is_connected(a.system)})
    due: dict[int, list[Account]] = {}
    for account in accounts:
        reminded = last_reminded.get(account.pk)
        known = changed.get(account.system_id, {}).get(account.username)
        if known is not None:
            is_due = now - known >= age and (reminded is None or now - reminded >= REMINDER_REPEAT)
        else:
            since = max(t for t in (reminded, account.activated_at, account.created_at) if t)
            is_due = now - since >= age
        if is_due:
            due.setdefault(account.person_id, []).append(account)
    for person_accounts in due.values():
        _password_reminder_send(person_accounts, days=days, now=now)
    return len(due)


def _directory_password_changes(systems: set[System]) -> dict[int, dict[str, dt.datetime]]:
    """Per connected system, when each password was changed; a directory that cannot be
    read says nothing, so its accounts are reminded on the schedule instead."""
    from warden.accounts import directory

    found: dict[int, dict[str, dt.datetime]] = {}
    for system in systems:
        try:
            found[system.pk] = directory.password_changes(system)
        except ServiceError:
            found[system.pk] = {}
    return found


@transaction.atomic
def _password_reminder_send(accounts: list[Account], *, days: int, now: dt.datetime) -> None:
    person, school = accounts[0].person, accounts[0].school
    systems = [f"- {a.system.name} (username {a.username})" for a in accounts]
    body = (
        f"Dear {person.preferred_name or person.first_name},\n\n"
        f"{school.name} asks staff to change their passwords on school systems every "
        f"{days} days (ICT security policy). Yours are due on:\n\n"
        + "\n".join(systems)
        + "\n\nChoose a new password you have not used before. If you think a password "
        "may be known to someone else, change it now and tell the ICT manager.\n"
    )
    send_email_on_commit(
        subject=f"Time to change your password at {school.name}", body=body, to=[person.email]
    )
    PasswordReminder.objects.bulk_create(
        PasswordReminder(school=school, account=a, sent_at=now) for a in accounts
    )
    audit_log(
        actor=None,
        action="password_reminder.sent",
        obj=person,
        school=school,
        changes={"systems": [None, [a.system.name for a in accounts]]},
    )


# --- Generic supply account, reviews, tokens ------------------------------------------------


@transaction.atomic
def supply_password_change_record(
    *, actor: User | None, system: System, reason: str, changed_at: dt.datetime | None = None
) -> SupplyPasswordChange:
    """Record that the generic supply account's password was changed (never the password)."""
    if system.kind != SystemKind.SUPPLY:
        raise ServiceError(f"{system} is not a generic supply account.")
    if not reason.strip():
        raise ServiceError(
            "Say why it was changed (e.g. the termly change, a supply teacher left).",
            field_errors={"reason": ["Required."]},
        )
    change = SupplyPasswordChange.objects.create(
        school=system.school,
        system=system,
        changed_at=changed_at or timezone.now(),
        changed_by=actor,
        reason=reason.strip()[:300],
    )
    audit_log(
        actor=actor,
        action="supply_password.changed",
        obj=change,
        changes=diff({}, snapshot(change, ["system", "changed_at", "reason"])),
    )
    return change


@transaction.atomic
def access_review_record(
    *, actor: User | None, system: System, outcome: str, notes: str = ""
) -> AccessReview:
    """SLT record that they reviewed who has access to a system (duty "SLT review who has
    access", docs/policy-map.md)."""
    from warden.accounts.selectors import access_misfits

    if outcome not in {c for c, _ in AccessReview._meta.get_field("outcome").choices or []}:
        raise ServiceError("Choose the review's outcome.", field_errors={"outcome": ["Required."]})
    misfits = access_misfits(system)
    if outcome == "confirmed" and misfits:
        raise ServiceError(
            f"{len(misfits)} people's access no longer fits their role; deal with them, or "
            "record the review as needing changes.",
            field_errors={"outcome": ["Access cannot be confirmed while misfits remain."]},
        )
    review = AccessReview.objects.create(
        school=system.school,
        system=system,
        reviewed_at=timezone.now(),
        reviewed_by=actor,
        outcome=outcome,
        notes=notes.strip(),
        live_accounts=Account.objects.filter(system=system, state__in=LIVE_STATES).count(),
        misfits=len(misfits),
    )
    audit_log(
        actor=actor, action="access_review.recorded", obj=review, changes=diff({}, snapshot(review))
    )
    return review


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# The longest a token may live: a system that still needs it gets a new one each year.
API_TOKEN_MAX_DAYS = 366


def _api_token_refusals(
    actor: User | None, school: School, name: str, scopes: list[str], expires_at: dt.datetime | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Name the system that will use it."]
    unknown = [s for s in scopes if s not in API_SCOPES]
    if not scopes:
        errors["scopes"] = ["Tick at least one thing the token may do."]
    elif unknown:
        errors["scopes"] = [f"Unknown scope {unknown[0]!r}: choose from the list."]
    elif actor is not None:
        lacking = [API_SCOPES[s] for s in scopes if not has_perm(actor, s, school)]
        if lacking:
            # A token never holds more than the person who made it.
            errors["scopes"] = [
                f"Your role at {school.name} does not allow “{lacking[0]}”, so a token you "
                "make may not either. Untick it, or ask the headteacher to make this token."
            ]
    if expires_at is not None:
        now = timezone.now()
        if expires_at <= now:
            errors["expires_at"] = ["Choose an expiry date in the future."]
        elif expires_at > now + dt.timedelta(days=API_TOKEN_MAX_DAYS):
            errors["expires_at"] = ["A token may last a year at most; choose an earlier date."]
    return errors


@transaction.atomic
def api_token_create(
    *,
    actor: User | None,
    school: School,
    name: str,
    scopes: Iterable[str] = (Perm.DASHBOARD_VIEW,),
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Make a token another system uses to call the API for ``school``.

    ``scopes`` are permissions from ``API_SCOPES``, each of which the actor must hold at the
    school; ``expires_at`` is at most a year ahead. The value is returned once and only its
    SHA-256 is kept.
    """
    scopes = sorted(set(scopes))
    errors = _api_token_refusals(actor, school, name, scopes, expires_at)
    if errors:
        raise ServiceError(
            "The token was not made: " + next(iter(errors.values()))[0], field_errors=errors
        )
    raw = "wdn_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        school=school,
        name=name.strip()[:120],
        token_hash=token_digest(raw),
        prefix=raw[:10],
        created_by=actor,
        scopes=scopes,
        expires_at=expires_at,
    )
    audit_log(
        actor=actor,
        action="api_token.created",
        obj=token,
        changes={
            "name": [None, token.name],
            "prefix": [None, token.prefix],
            "scopes": [None, scopes],
            "expires_at": [None, expires_at.isoformat() if expires_at else None],
        },
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Stop a token from working."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor, action="api_token.revoked", obj=token, changes={"revoked": [False, True]}
        )
    return token


def api_token_authenticate(raw: str) -> ApiToken:
    """The token presented as ``raw``, marked as used; :class:`ServiceError` saying why not
    when it is unknown, revoked or past its expiry.

    The token is the caller's only credential, so it is looked up across all schools."""
    with all_schools():
        token = (
            ApiToken.objects.select_related("school", "school__trust")
            .filter(token_hash=token_digest(raw))
            .first()
        )
        if token is None:
            raise ServiceError(
                "Unknown token: send a school's API token as 'Authorization: Bearer <token>'."
            )
        if token.revoked_at is not None:
            raise ServiceError(
                f"The token {token} was revoked; ask the school's ICT manager for a new one."
            )
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise ServiceError(
                f"The token {token} expired on {token.expires_at:%d %B %Y}; ask the school's "
                "ICT manager for a new one."
            )
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- Directory sync -------------------------------------------------------------------------


def _connector_check(system: System) -> None:
    if system.connector != "ldap":
        raise ServiceError(
            f"{system} has no directory connector; use its CSV export to set accounts up."
        )


@transaction.atomic
def directory_sync_plan(*, actor: User | None, system: System) -> DirectorySync:
    """Read the directory and record the changes a sync would make (a dry run)."""
    from warden.accounts import directory

    _connector_check(system)
    changes = directory.preview(system)
    sync = DirectorySync.objects.create(
        school=system.school,
        system=system,
        planned_at=timezone.now(),
        planned_by=actor,
        changes=changes,
    )
    audit_log(
        actor=actor,
        action="directory_sync.planned",
        obj=sync,
        changes={"changes": [None, len(changes)]},
    )
    return sync


def directory_sync_apply(*, actor: User | None, sync: DirectorySync) -> DirectorySync:
    """Apply a previewed sync, if the directory and the accounts still give the same diff.

    The diff is worked out again first: when anything moved since the preview, nothing is
    applied and the person is asked to look at the new preview. What was applied (all of
    it, or up to the change that failed) is recorded and audited.
    """
    from warden.accounts import directory

    system = sync.system
    _connector_check(system)
    if sync.state != SyncState.PLANNED:
        raise ServiceError("This preview was already applied; preview the directory again.")
    current = directory.preview(system)
    if current != sync.changes:
        raise ServiceError(
            "The directory or the accounts changed since this preview, so nothing was applied. "
            "Preview again and check the new list of changes."
        )
    applied, error = directory.apply_changes(system, current)
    with transaction.atomic():
        locked = DirectorySync.objects.select_for_update().get(pk=sync.pk)
        before = snapshot(locked, ["state", "applied_count", "error"])
        locked.state = SyncState.FAILED if error else SyncState.APPLIED
        locked.applied_at = timezone.now()
        locked.applied_by = actor
        locked.applied_count = applied
        locked.error = error
        locked.save()
        audit_log(
            actor=actor,
            action="directory_sync.applied" if not error else "directory_sync.failed",
            obj=locked,
            changes={
                **diff(before, snapshot(locked, ["state", "applied_count", "error"])),
                "applied": [None, [f"{c['op']} {c['dn']}" for c in current[:applied]]],
            },
        )
    return locked
