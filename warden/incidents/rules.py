"""The policy rules of the incident log, each in one place with the clause it implements.

Pages explain a proposal or a refusal in the words kept here, so what a person reads is
what the policy says.

- Severity and escalation: seed 004 "Breaches of this policy" and Appendix C (minor,
  moderate and severe breaches; a verbal warning held for 12 months; repeats escalate;
  account suspension for severe breaches until the disciplinary process has concluded).
- Withdrawal of access: seed 001 §7a ("temporary or permanent withdrawal of school ICT
  hardware, software or services") and 003 §8 ("removal of Internet or computer access for
  a period", "removal of access to remote learning").
- Reporting: seed 001 §7e (breaches, attempts, loss of equipment and misuse "must be
  immediately reported to the school's SIRO").
- Triage: seed 004 Appendix B (unviewed violations assessed on a daily basis; a weekly
  report of the week's incidents).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from warden.accounts.models import SystemKind
from warden.core.roles import Role
from warden.incidents.models import SanctionKind, Severity

# --- severity and escalation (seed 004 Appendix C) ---------------------------------------

APPENDIX_C = "ICT Security Policy, Appendix C"
MINOR_WORDS = (
    "Minor Breach: this level of breach will attract a verbal warning which will be held "
    "recorded for 12 months."
)
REPEATED_MINOR_WORDS = (
    "Moderate Breach includes “Repeated minor breaches within the above detailed 12 month period.”"
)
REPEATED_MODERATE_WORDS = "Severe Breach includes “Repeated moderate breaches.”"
SEVERE_WORDS = (
    "Severe Breach: access to computing facilities and services may be withdrawn (account "
    "suspension) until the disciplinary process and its outcomes have been concluded."
)
# How long a minor breach counts towards a repeat, and a verbal warning stays on record.
RECORD_MONTHS = 12

_RANK = {"": 0, Severity.MINOR: 1, Severity.MODERATE: 2, Severity.SEVERE: 3}


def severity_rank(severity: str) -> int:
    return _RANK.get(severity, 0)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the last day of the month when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PriorBreach:
    """An earlier incident in which the same person was the subject, with its severity."""

    reference: str
    severity: str
    occurred_on: dt.date


@dataclass(frozen=True)
class Proposal:
    severity: str
    words: str
    clause: str
    because: tuple[str, ...]

    @property
    def label(self) -> str:
        return Severity(self.severity).label


def proposed_severity(
    *, current: str, occurred_on: dt.date, priors: Iterable[PriorBreach]
) -> Proposal | None:
    """The severity Appendix C proposes for a breach, given the subject's earlier breaches.

    A breach assessed as minor (or not yet assessed) is proposed as moderate when the same
    person had a minor breach in the 12 months before it ("repeated minor breaches within
    the above detailed 12 month period"); a moderate breach, including one reached that way,
    is proposed as severe when the person had an earlier moderate breach ("repeated
    moderate breaches"; the policy sets no period for this one). Only upheld breaches count
    (the caller leaves out incidents closed as not upheld). Returns None when the rule
    proposes nothing above the current severity; a person always decides.
    """
    priors = list(priors)
    window_start = add_months(occurred_on, -RECORD_MONTHS)
    level = current or Severity.MINOR
    because: list[str] = []
    words = ""
    if level == Severity.MINOR:
        recent = [
            p
            for p in priors
            if p.severity == Severity.MINOR and window_start < p.occurred_on <= occurred_on
        ]
        if recent:
            level, words = Severity.MODERATE, REPEATED_MINOR_WORDS
            because += [f"{p.reference} (minor, {p.occurred_on:%d/%m/%Y})" for p in recent]
    if level == Severity.MODERATE:
        moderate = [
            p for p in priors if p.severity == Severity.MODERATE and p.occurred_on <= occurred_on
        ]
        if moderate:
            level, words = Severity.SEVERE, REPEATED_MODERATE_WORDS
            because += [f"{p.reference} (moderate, {p.occurred_on:%d/%m/%Y})" for p in moderate]
    if not words or severity_rank(level) <= severity_rank(current):
        return None
    return Proposal(severity=level, words=words, clause=APPENDIX_C, because=tuple(because))


def verbal_warning_lapses_on(starts_on: dt.date) -> dt.date:
    """A verbal warning is "held recorded for 12 months" (Appendix C, minor breach)."""
    return add_months(starts_on, RECORD_MONTHS)


# --- sanctions (seed 001 §7a, 003 §8, 004 Appendix C) ------------------------------------

SANCTION_WORDS: dict[str, str] = {
    SanctionKind.VERBAL_WARNING: MINOR_WORDS,
    SanctionKind.WITHDRAW_ICT: (
        "ICT Security Policy §7a: a breach may result in the temporary or permanent "
        "withdrawal of school ICT hardware, software or services."
    ),
    SanctionKind.WITHDRAW_INTERNET: (
        "E-Safety Policy §8: removal of Internet or computer access for a period."
    ),
    SanctionKind.WITHDRAW_REMOTE: (
        "E-Safety Policy §8: removal of access to remote learning in one or more subjects."
    ),
    SanctionKind.DISCIPLINARY: (
        "ICT Security Policy, Process: the investigation report is considered with the "
        "school's disciplinary procedure."
    ),
    SanctionKind.SUSPENSION: SEVERE_WORDS,
}

# Which accounts a sanction suspends: the kinds of system it withdraws (None: every kind).
# Filter groups take their members by rule, not by name, so internet access is withdrawn
# through the accounts that reach the internet outside the curriculum network.
SANCTION_SYSTEM_KINDS: dict[str, frozenset[str] | None] = {
    SanctionKind.WITHDRAW_ICT: None,
    SanctionKind.SUSPENSION: None,
    SanctionKind.WITHDRAW_INTERNET: frozenset(
        {SystemKind.CLOUD, SystemKind.GUEST_WIFI, SystemKind.REMOTE}
    ),
    SanctionKind.WITHDRAW_REMOTE: frozenset({SystemKind.REMOTE, SystemKind.LEARNING}),
}
# Withdrawals "for a period" need an end date; a suspension lasts until the outcome.
PERIOD_SANCTIONS = frozenset(
    {SanctionKind.WITHDRAW_ICT, SanctionKind.WITHDRAW_INTERNET, SanctionKind.WITHDRAW_REMOTE}
)


def suspends_accounts(kind: str) -> bool:
    return kind in SANCTION_SYSTEM_KINDS


def sanction_refusal(
    *, kind: str, severity: str, starts_on: dt.date, ends_on: dt.date | None
) -> str | None:
    """Why a sanction cannot be recorded as asked, in the policy's words, or None."""
    if kind in PERIOD_SANCTIONS:
        if ends_on is None:
            return f"{SANCTION_WORDS[kind]} Give the day access comes back."
        if ends_on <= starts_on:
            return "Access must come back after the day it is withdrawn; check the dates."
    if kind == SanctionKind.SUSPENSION and severity != Severity.SEVERE:
        return f"{SEVERE_WORDS} Assess the incident as severe first."
    return None


# --- reporting (seed 001 §7e) -------------------------------------------------------------

REPORT_WORDS = (
    "ICT Security Policy §7e: any security breaches or attempts, loss of equipment and any "
    "unauthorised use or suspected misuse of ICT must be immediately reported to the "
    "school's SIRO."
)
# Who is e-mailed the moment an incident is reported (no details, only that it exists).
REPORT_NOTIFY_ROLES: frozenset[str] = frozenset({Role.SIRO, Role.DSL, Role.HEADTEACHER})

# --- triage (seed 004 Appendix B) ---------------------------------------------------------

TRIAGE_WORDS = (
    "E-Safety procedure (ICT Security Policy, Appendix B), point 1: all unviewed violations "
    "are assessed on a daily basis."
)
WEEKLY_WORDS = (
    "Appendix B, point 9: monitoring issues are discussed each week, giving an overall "
    "report of the week's incidents."
)
# Severity 4 and 5 ("high", "act now") are e-mailed to the DSL at once; the rest go into
# the daily digest.
ALERT_SEVERITY = 4
TRIAGE_ROLES: frozenset[str] = frozenset({Role.DSL, Role.DEPUTY_DSL})
WEEKLY_ROLES: frozenset[str] = frozenset({Role.SIRO, Role.HEADTEACHER})


def is_school_day(day: dt.date) -> bool:
    """Monday to Friday. (Term dates are not known to Warden yet, so holidays count.)"""
    return day.weekday() < 5


def _next_school_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not is_school_day(day):
        day += dt.timedelta(days=1)
    return day


def triage_due_at(found_at: dt.datetime, tz: str) -> dt.datetime:
    """When a violation found at ``found_at`` becomes overdue: one school day later.

    "Assessed on a daily basis": found on a school day, it is due at the same time on the
    next school day (Friday afternoon's is due on Monday afternoon); found at a weekend, it
    counts from the start of Monday and is due at the start of Tuesday.
    """
    zone = ZoneInfo(tz)
    local = found_at.astimezone(zone)
    if not is_school_day(local.date()):
        start = local.date()
        while not is_school_day(start):
            start += dt.timedelta(days=1)
        local = dt.datetime.combine(start, dt.time(0), tzinfo=zone)
    due_day = _next_school_day(local.date())
    return dt.datetime.combine(due_day, local.timetz().replace(tzinfo=None), tzinfo=zone)


def triage_overdue_before(now: dt.datetime, tz: str) -> dt.datetime:
    """The cut-off at ``now``: a violation found before it is overdue (``triage_due_at``).

    The same rule turned round, so a list can filter in the database: on a school day it is
    this time on the previous school day (Friday's on a Monday); at a weekend, the end of
    Thursday, because Friday's violations fall due on Monday.
    """
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    day = local.date()
    if not is_school_day(day):
        while not is_school_day(day):
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time.max, tzinfo=zone)
    previous = day - dt.timedelta(days=1)
    while not is_school_day(previous):
        previous -= dt.timedelta(days=1)
    return dt.datetime.combine(previous, local.timetz().replace(tzinfo=None), tzinfo=zone)
