"""The policy rules of the incident log, each in one place with the clause it implements.

Pages explain a proposal or a refusal in the words kept here, so what a person reads is
what the policy says.

Each section carries out policy duties of docs/policy-map.md, which names the clause:
- Severity and escalation: "Breaches graded minor, moderate or severe", "Repeated breaches
  escalate", "Verbal warnings held for 12 months", "Severe breach suspends access until the
  outcome".
- Withdrawal of access: "Sanctions the policies allow".
- Reporting: "Breaches reported at once to the SIRO".
- Triage: "Violations assessed daily", "Weekly monitoring report".
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from warden.accounts.models import SystemKind
from warden.core.confidential.kinds import RecordKind
from warden.core.roles import Perm, Role
from warden.incidents.models import IncidentKind, SanctionKind, Severity

# --- confidentiality -------------------------------------------------------------------------

# Policy duty "Incidents are confidential" (docs/policy-map.md): discussed only with those
# directly involved. The DSL and deputies, the SIRO and the headteacher read every incident;
# anyone else only one whose access list names them.
INCIDENT_RECORDS = RecordKind(
    noun="incident",
    every="every incident",
    audit="incident",
    view_perm=Perm.INCIDENTS_VIEW,
    manage_perm=Perm.INCIDENTS_MANAGE,
    manage_refusal=(
        "Only the DSL, a deputy DSL or the headteacher handles incidents (severity, sanctions, "
        "people, access and closing)."
    ),
    need="Say why they need to read it.",
)

# --- severity and escalation ---------------------------------------------------------------

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


# --- sanctions -----------------------------------------------------------------------------

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
# Internet access on the school network is withdrawn by regrouping (below), not by
# suspending accounts: the pupil keeps their sign-in and their work. Guest Wi-Fi is a way
# onto the internet that the filter groups may not see by name, so it is suspended too.
SANCTION_SYSTEM_KINDS: dict[str, frozenset[str] | None] = {
    SanctionKind.WITHDRAW_ICT: None,
    SanctionKind.SUSPENSION: None,
    SanctionKind.WITHDRAW_INTERNET: frozenset({SystemKind.GUEST_WIFI}),
    SanctionKind.WITHDRAW_REMOTE: frozenset({SystemKind.REMOTE, SystemKind.LEARNING}),
}
# Sanctions that move the person into the school's "No internet" filter group for their
# period (E-Safety Policy §8, "removal of Internet or computer access for a period").
REGROUP_SANCTIONS = frozenset({SanctionKind.WITHDRAW_INTERNET})
# Withdrawals "for a period" need an end date; a suspension lasts until the outcome.
PERIOD_SANCTIONS = frozenset(
    {SanctionKind.WITHDRAW_ICT, SanctionKind.WITHDRAW_INTERNET, SanctionKind.WITHDRAW_REMOTE}
)


def suspends_accounts(kind: str) -> bool:
    return kind in SANCTION_SYSTEM_KINDS


def regroups(kind: str) -> bool:
    return kind in REGROUP_SANCTIONS


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


# --- reporting -----------------------------------------------------------------------------

REPORT_WORDS = (
    "ICT Security Policy §7e: any security breaches or attempts, loss of equipment and any "
    "unauthorised use or suspected misuse of ICT must be immediately reported to the "
    "school's SIRO."
)
# Who is e-mailed the moment an incident is reported (no details, only that it exists).
REPORT_NOTIFY_ROLES: frozenset[str] = frozenset({Role.SIRO, Role.DSL, Role.HEADTEACHER})

# Malware and security breaches have a technical part the ICT team works (policy duty
# "Infections reported to the ICT team", docs/policy-map.md: reported at once, and the
# machine disconnected until it is safe). They are told at once and see that part only: the
# kind, the title, what was reported and the technical steps, never the people, evidence or
# chronology.
TECHNICAL_KINDS: frozenset[str] = frozenset({IncidentKind.MALWARE, IncidentKind.SECURITY_BREACH})
TECHNICAL_ROLES: frozenset[str] = frozenset({Role.ICT_MANAGER, Role.TECHNICIAN})
TECHNICAL_WORDS = (
    "Any software messages or pop-up screens reporting evidence of viral infection should "
    "always be reported immediately to the Technical Support Service and/or ICT Security "
    "Manager (ICT Security Policy, Security and virus protection)."
)


def report_notify_roles(kind: str) -> frozenset[str]:
    """Who is told of a new incident of ``kind``: the SIRO, DSL and headteacher (duty
    "Breaches reported at once to the SIRO"), and the ICT team as well for a technical
    kind."""
    if kind in TECHNICAL_KINDS:
        return REPORT_NOTIFY_ROLES | TECHNICAL_ROLES
    return REPORT_NOTIFY_ROLES


# --- triage --------------------------------------------------------------------------------

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


# Appendix B, point 8: "All violations by members of staff and other non pupils, judged to
# need further action, will be discussed directly with the cluster leader or Headteacher."
# So an alert about an adult goes to the headteacher, not to the safeguarding team who may
# be their colleagues; about the headteacher, to the chair of governors. Nobody is ever
# alerted about their own browsing (point 10: violations are confidential).
STAFF_ALERT_ROLES: frozenset[str] = frozenset({Role.HEADTEACHER})
CHAIR_OF_GOVERNORS_TITLE = "chair of governors"


@dataclass(frozen=True)
class AlertRoute:
    """Who hears of a violation: holders of ``roles``, the chair of governors when
    ``chair`` is set, and never the user in ``exclude_user_ids`` (the subject)."""

    roles: frozenset[str]
    chair: bool
    exclude_user_ids: frozenset[int]


def alert_route(
    *, subject_is_pupil: bool, subject_user_id: int | None, subject_roles: Iterable[str]
) -> AlertRoute:
    """Where an alert about a violation goes (Appendix B points 1, 8 and 10).

    A pupil's violation, or one whose subject is not known, goes to the DSL and deputies who
    triage; an adult's to the headteacher; the headteacher's to the chair of governors.
    The subject is never among the recipients.
    """
    exclude = frozenset({subject_user_id}) if subject_user_id is not None else frozenset()
    if subject_is_pupil:
        return AlertRoute(TRIAGE_ROLES, False, exclude)
    if Role.HEADTEACHER in set(subject_roles):
        return AlertRoute(frozenset(), True, exclude)
    return AlertRoute(STAFF_ALERT_ROLES, False, exclude)


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


# --- staff monitoring authorisations -------------------------------------------------------

STAFF_MONITORING_CLAUSE = (
    "ICT Security Policy §2, Monitoring the use of telephone, email and the internet"
)
STAFF_MONITORING_WORDS = (
    "It is not the school's policy, as a matter of routine, to monitor an employee's use of "
    "the school's telephone or email service or of the internet via the school's networks. "
    "Where there are reasonable grounds to suspect an instance of misuse or abuse of any of "
    "these services, the Headteacher or Governing Body may grant permission for the auditing "
    "of an employee's telephone calls, email or the internet."
)
REVIEW_WORDS = (
    "When monitoring is approved, the case for continued monitoring shall be reviewed on a "
    "regular basis with a view to terminating monitoring in as short a period of time as "
    "possible."
)
EXTENT_WORDS = "They will monitor only to the extent necessary to establish the facts of the case."
# Who grants permission: "the Headteacher or Governing Body" (a governor acts for it).
APPROVER_ROLES: frozenset[str] = frozenset({Role.HEADTEACHER, Role.GOVERNOR})
# Who may ask, besides holders of INCIDENTS_MANAGE (the DSL, deputies, the headteacher):
# the SIRO, who answers for the school's information.
EXTRA_REQUESTER_ROLES: frozenset[str] = frozenset({Role.SIRO})
# "In as short a period of time as possible": an authorisation lasts at most this long,
# and goes no longer than this without a review.
MAX_AUTHORISATION_DAYS = 90
MAX_DAYS_BETWEEN_REVIEWS = 28


def authorisation_period_refusal(
    *, starts_on: dt.date, ends_on: dt.date, review_dates: Iterable[dt.date], today: dt.date
) -> tuple[str, str] | None:
    """``(field, why)`` when the period or review dates of a request break §2, or None.

    It may not start in the past, must end after it starts and within
    ``MAX_AUTHORISATION_DAYS``, and its review dates (between start and end) must leave no
    stretch longer than ``MAX_DAYS_BETWEEN_REVIEWS`` days without a review.
    """
    if starts_on < today:
        return (
            "starts_on",
            "An authorisation cannot start in the past: nothing may be examined before "
            "permission is granted.",
        )
    if ends_on <= starts_on:
        return "ends_on", "The end date must come after the start date."
    if (ends_on - starts_on).days > MAX_AUTHORISATION_DAYS:
        return (
            "ends_on",
            f"{REVIEW_WORDS} An authorisation lasts at most {MAX_AUTHORISATION_DAYS} days; "
            "ask again if more is needed.",
        )
    reviews = sorted(set(review_dates))
    if any(not starts_on < d < ends_on for d in reviews):
        return "review_dates", "Each review date must fall between the start and the end date."
    previous = starts_on
    for moment in [*reviews, ends_on]:
        if (moment - previous).days > MAX_DAYS_BETWEEN_REVIEWS:
            return (
                "review_dates",
                f"{REVIEW_WORDS} Plan a review at least every {MAX_DAYS_BETWEEN_REVIEWS} days "
                f"(none is planned between {previous:%d/%m/%Y} and {moment:%d/%m/%Y}).",
            )
        previous = moment
    return None


def review_overdue_since(
    review_dates: Iterable[dt.date], reviewed_on: Iterable[dt.date], today: dt.date
) -> dt.date | None:
    """The first review date before ``today`` with no review on or after it, or None."""
    done = sorted(reviewed_on)
    for due in sorted(review_dates):
        if due >= today:
            return None
        if not any(day >= due for day in done):
            return due
    return None


@dataclass(frozen=True)
class AuthorisationFacts:
    """What decides whether an authorisation is in force on a day, for ``search_refusal``."""

    reference: str
    status: str
    scope_covers_internet: bool
    starts_on: dt.date
    ends_on: dt.date
    review_dates: tuple[dt.date, ...]
    reviewed_on: tuple[dt.date, ...]
    subject_is_staff: bool


def search_refusal(facts: AuthorisationFacts, today: dt.date) -> str | None:
    """Why the investigator may not search the subject's internet history today, or None.

    Only while the authorisation is in force: approved, started, not ended, not past its
    end date, and not waiting for a review that fell due (§2, reviewed on a regular basis).
    """
    ref = facts.reference
    if not facts.subject_is_staff:
        return (
            "This search is for members of staff under an authorisation; pupils' use is "
            "followed through the DSL's normal monitoring (violations and triage)."
        )
    if facts.status == "pending":
        return f"{ref} has not been approved yet. {STAFF_MONITORING_WORDS}"
    if facts.status == "refused":
        return f"{ref} was refused; there is no permission to examine this person's use."
    if facts.status == "ended":
        return f"{ref} has ended; monitoring stops when the case no longer needs it."
    if not facts.scope_covers_internet:
        return f"{ref} covers e-mail only, not internet history."
    if today < facts.starts_on:
        return f"{ref} comes into force on {facts.starts_on:%d/%m/%Y}."
    if today > facts.ends_on:
        return f"{ref} ran until {facts.ends_on:%d/%m/%Y} and is no longer in force."
    overdue = review_overdue_since(facts.review_dates, facts.reviewed_on, today)
    if overdue is not None:
        return (
            f"{ref} was due for review on {overdue:%d/%m/%Y}; searching is paused until the "
            f"headteacher or a governor records the review. {REVIEW_WORDS}"
        )
    return None
