"""Reads of the incident log and the triage queue that pages, e-mails and reports share."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from warden.accounts.models import Account, AccountState
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.incidents import rules
from warden.incidents.models import (
    OPEN_TRIAGE_STATES,
    Incident,
    IncidentKind,
    IncidentStatus,
    Involvement,
    Outcome,
    Part,
    Sanction,
    SanctionKind,
    SanctionState,
    Severity,
    Triage,
    TriageState,
)
from warden.monitoring.models import Violation
from warden.people.models import Person, PersonType

SORTS = {
    "reported": ("-reported_at", "-pk"),
    "-reported": ("reported_at", "pk"),
    "occurred": ("-occurred_at", "-pk"),
    "number": ("number",),
}


@dataclass(frozen=True)
class IncidentFilter:
    kind: str = ""
    status: str = ""
    severity: str = ""
    person: str = ""
    q: str = ""
    sort: str = "reported"


def incident_list(incidents: QuerySet[Incident], f: IncidentFilter) -> QuerySet[Incident]:
    """Filtered and sorted incidents, with the people in them fetched in one more query."""
    if f.kind:
        incidents = incidents.filter(kind=f.kind)
    if f.status == "not_closed":
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    elif f.status:
        incidents = incidents.filter(status=f.status)
    if f.severity == "unassessed":
        incidents = incidents.filter(severity="")
    elif f.severity:
        incidents = incidents.filter(severity=f.severity)
    for word in f.person.split():
        incidents = incidents.filter(
            Q(involvements__person__first_name__icontains=word)
            | Q(involvements__person__last_name__icontains=word)
            | Q(involvements__person__preferred_name__icontains=word)
            | Q(involvements__person__mis_id__iexact=word)
        )
    for word in f.q.split():
        incidents = incidents.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return (
        incidents.distinct()
        .order_by(*SORTS.get(f.sort, SORTS["reported"]))
        .prefetch_related(
            Prefetch("involvements", queryset=Involvement.objects.select_related("person"))
        )
    )


def bullying_log(school: School) -> QuerySet[Incident]:
    """Cyberbullying incidents, recorded in the anti-bullying log too (policy duty
    "Cyberbullying recorded in the anti-bullying log", docs/policy-map.md)."""
    incidents = Incident.objects.filter(school=school).annotate(
        steps_total=Count("steps", distinct=True),
        steps_done=Count("steps", filter=Q(steps__done_at__isnull=False), distinct=True),
    )
    return incident_list(incidents, IncidentFilter(kind=IncidentKind.CYBERBULLYING))


def prior_breaches(incident: Incident, person: Person) -> list[rules.PriorBreach]:
    """Earlier incidents at the school in which ``person`` was the subject, with a severity.

    Incidents closed as not upheld are no breach and do not count.
    """
    earlier = (
        Incident.objects.filter(
            school_id=incident.school_id,
            involvements__person=person,
            involvements__part=Part.SUBJECT,
            occurred_at__lte=incident.occurred_at,
        )
        .exclude(pk=incident.pk)
        .exclude(severity="")
        .exclude(outcome=Outcome.NOT_UPHELD)
        .distinct()
        .order_by("occurred_at")
    )
    zone = incident.school.timezone
    return [
        rules.PriorBreach(
            reference=i.reference,
            severity=i.severity,
            occurred_on=timezone.localtime(i.occurred_at, _zone(zone)).date(),
        )
        for i in earlier
    ]


def _zone(name: str) -> dt.tzinfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class PersonProposal:
    person: Person
    proposal: rules.Proposal


def escalation_proposals(incident: Incident) -> list[PersonProposal]:
    """Appendix C's proposal for each subject of the incident with earlier breaches."""
    occurred_on = timezone.localtime(incident.occurred_at, _zone(incident.school.timezone)).date()
    found: list[PersonProposal] = []
    subjects = [i.person for i in incident.involvements.all() if i.part == Part.SUBJECT]
    for person in subjects:
        proposal = rules.proposed_severity(
            current=incident.severity,
            occurred_on=occurred_on,
            priors=prior_breaches(incident, person),
        )
        if proposal is not None:
            found.append(PersonProposal(person, proposal))
    return sorted(found, key=lambda p: -rules.severity_rank(p.proposal.severity))


def emails_for_roles(school: School, roles: frozenset[str]) -> list[str]:
    """Addresses of the school's users (or the trust's, trust-wide) holding one of ``roles``."""
    rows = Membership.objects.filter(
        Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True),
        role__in=list(roles),
        user__is_active=True,
    ).values_list("user__email", flat=True)
    return sorted({email for email in rows if email})


def _memberships_at(school: School) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True), user__is_active=True
    )


def chair_of_governors_emails(school: School) -> list[str]:
    """The chair of governors: a governor whose register record at the school is titled
    "Chair of Governors"; every governor when the school has not said who chairs."""
    governors = _memberships_at(school).filter(role=Role.GOVERNOR)
    chairs = governors.filter(
        user__people__school=school,
        user__people__job_title__iexact=rules.CHAIR_OF_GOVERNORS_TITLE,
    )
    rows = (chairs if chairs.exists() else governors).values_list("user__email", flat=True)
    return sorted({email for email in rows if email})


def alert_emails(school: School, violations: Sequence[Violation]) -> dict[int, list[str]]:
    """Who is e-mailed at once about each violation (``rules.alert_route``), by violation id:
    never its subject. Three or four queries, however many violations an ingested chunk has.
    """
    roles_of: dict[int, set[str]] = defaultdict(set)
    holders: dict[str, set[tuple[int, str]]] = defaultdict(set)
    for user_id, role, email in _memberships_at(school).values_list(
        "user_id", "role", "user__email"
    ):
        roles_of[user_id].add(role)
        if email:
            holders[role].add((user_id, email))
    subjects = {v.person.user_id for v in violations if v.person is not None}
    own = dict(User.objects.filter(pk__in=subjects - {None}).values_list("pk", "email"))
    chair: list[str] | None = None
    found: dict[int, list[str]] = {}
    for v in violations:
        person = v.person
        subject_user_id = person.user_id if person is not None else None
        route = rules.alert_route(
            subject_is_pupil=person is None or person.person_type == PersonType.PUPIL,
            subject_user_id=subject_user_id,
            subject_roles=roles_of[subject_user_id] if subject_user_id is not None else set(),
        )
        emails = {
            email
            for role in route.roles
            for user_id, email in holders[role]
            if user_id not in route.exclude_user_ids
        }
        if route.chair:
            chair = chair_of_governors_emails(school) if chair is None else chair
            emails |= set(chair)
        if subject_user_id is not None:
            emails.discard(own.get(subject_user_id, ""))
        found[v.pk] = sorted(emails)
    return found


@dataclass(frozen=True)
class IncidentSummary:
    open_by_severity: list[tuple[str, int]]
    unassessed: int
    open_total: int
    sanctions_in_force: int


def incident_summary(school: School) -> IncidentSummary:
    open_incidents = Incident.objects.filter(school=school).exclude(status=IncidentStatus.CLOSED)
    counts = dict(
        open_incidents.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n")
    )
    return IncidentSummary(
        open_by_severity=[(label, counts.get(value, 0)) for value, label in Severity.choices],
        unassessed=counts.get("", 0),
        open_total=sum(counts.values()),
        sanctions_in_force=Sanction.objects.filter(
            school=school, state=SanctionState.ACTIVE
        ).count(),
    )


def person_incidents(person: Person) -> QuerySet[Involvement]:
    return (
        Involvement.objects.filter(person=person)
        .select_related("incident")
        .order_by("-incident__occurred_at")
    )


# --- triage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageFilter:
    state: str = "open"
    min_severity: int | None = None
    category: str = ""
    overdue: bool = False
    q: str = ""


def violations_with_triage(school: School) -> QuerySet[Violation]:
    """The school's violations with their triage, each annotated ``triage_state``."""
    return (
        Violation.objects.filter(school=school, triage__school=school)
        .select_related("person", "triage", "triage__incident")
        .annotate(triage_state=F("triage__state"))
    )


def triage_queue(
    school: School,
    f: TriageFilter,
    *,
    now: dt.datetime | None = None,
    viewer_id: int | None = None,
) -> QuerySet[Triage]:
    """The queue: by default the open ones, most severe first, then oldest first.

    It reads the triage rows alone (their copies of the violation's severity, category and
    subject), so the first page comes straight from the ``incidents_triage_open`` index
    and the count never joins the violations. The viewer's own violations are left out
    (Appendix B point 10): the headteacher, or the chair of governors, deals with them.
    """
    rows = Triage.objects.filter(school=school).select_related(
        "violation", "violation__person", "incident"
    )
    if viewer_id is not None:
        rows = rows.exclude(person__in=Person.objects.filter(user_id=viewer_id))
    if f.state == "open":
        rows = rows.filter(state__in=sorted(OPEN_TRIAGE_STATES))
    elif f.state:
        rows = rows.filter(state=f.state)
    if f.min_severity:
        rows = rows.filter(severity__gte=f.min_severity)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.overdue:
        rows = rows.filter(state=TriageState.UNVIEWED, due_at__lt=now or timezone.now())
    for word in f.q.split():
        rows = rows.filter(
            Q(violation__phrase__icontains=word)
            | Q(violation__search_term__icontains=word)
            | Q(violation__host__icontains=word)
            | Q(violation__username__iexact=word)
            | Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(person__preferred_name__icontains=word)
            | Q(person__mis_id__iexact=word)
        )
    return rows.order_by("-severity", "found_at", "violation_id")


def triage_overdue(school: School, *, now: dt.datetime | None = None) -> QuerySet[Triage]:
    """Unviewed violations past their deadline of one school day (``rules.triage_due_at``)."""
    return Triage.objects.filter(
        school=school, state=TriageState.UNVIEWED, due_at__lt=now or timezone.now()
    )


# One probe of the ``monitoring_violation_cat`` index (school, category, ...) per category.
_CATEGORIES_SQL = """
WITH RECURSIVE found(c) AS (
    SELECT MIN(category) FROM monitoring_violation WHERE school_id = %s
    UNION ALL
    SELECT (SELECT MIN(category) FROM monitoring_violation WHERE school_id = %s AND category > c)
    FROM found WHERE c IS NOT NULL
)
SELECT c FROM found WHERE c IS NOT NULL
"""


def triage_categories(school: School) -> list[str]:
    """The categories of the school's violations, in order, for the queue's filter.

    The recursive query steps through the index one category at a time instead of reading
    every violation the school ever had for a DISTINCT (0.5 ms against 41 ms at 33,000).
    """
    with connection.cursor() as cursor:
        cursor.execute(_CATEGORIES_SQL, [school.pk, school.pk])
        return [row[0] for row in cursor.fetchall()]


def open_incidents(school: School) -> QuerySet[Incident]:
    return Incident.objects.filter(school=school).exclude(status=IncidentStatus.CLOSED)


@dataclass
class WeeklyReport:
    """Policy duty "Weekly monitoring report" (docs/policy-map.md)."""

    school: School
    start: dt.datetime
    end: dt.datetime
    violations: int = 0
    by_severity: list[tuple[int, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    triage_outcomes: list[tuple[str, int]] = field(default_factory=list)
    still_unviewed: int = 0
    overdue: int = 0
    incidents_opened: list[tuple[str, int]] = field(default_factory=list)
    incidents_closed: int = 0
    open_incidents: int = 0
    severe_open: int = 0
    sanctions_started: list[tuple[str, int]] = field(default_factory=list)


def weekly_report(school: School, *, end: dt.datetime) -> WeeklyReport:
    """Counts only: the e-mail carries no names; details stay in Warden."""
    start = end - dt.timedelta(days=7)
    report = WeeklyReport(school=school, start=start, end=end)
    week = Triage.objects.filter(school=school, found_at__gte=start, found_at__lt=end).order_by()
    by_severity = week.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n")
    report.by_severity = sorted(by_severity, reverse=True)
    report.violations = sum(n for _s, n in report.by_severity)
    report.by_category = list(
        week.values_list("category")
        .annotate(n=Count("pk"))
        .order_by("-n", "category")
        .values_list("category", "n")[:10]
    )
    decided = dict(
        Triage.objects.filter(school=school, decided_at__gte=start, decided_at__lt=end)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    report.triage_outcomes = [
        (label, decided[value]) for value, label in TriageState.choices if decided.get(value)
    ]
    report.still_unviewed = Triage.objects.filter(school=school, state=TriageState.UNVIEWED).count()
    report.overdue = triage_overdue(school, now=end).count()
    opened = Counter(
        Incident.objects.filter(
            school=school, reported_at__gte=start, reported_at__lt=end
        ).values_list("kind", flat=True)
    )
    report.incidents_opened = [
        (IncidentKind(k).label, n) for k, n in sorted(opened.items(), key=lambda kv: -kv[1])
    ]
    report.incidents_closed = Incident.objects.filter(
        school=school, closed_at__gte=start, closed_at__lt=end
    ).count()
    report.open_incidents = open_incidents(school).count()
    report.severe_open = open_incidents(school).filter(severity=Severity.SEVERE).count()
    started = Counter(
        Sanction.objects.filter(
            school=school, created_at__gte=start, created_at__lt=end
        ).values_list("kind", flat=True)
    )
    report.sanctions_started = [(SanctionKind(k).label, n) for k, n in started.items()]
    return report


def accounts_a_suspension_would_suspend(incident: Incident) -> list[Account]:
    """The subjects' live accounts a severe-breach suspension would suspend, shown beside the
    choice so nobody suspends a child's accounts without seeing which."""
    return list(
        Account.objects.filter(
            person__incident_parts__incident=incident,
            person__incident_parts__part=Part.SUBJECT,
            state=AccountState.ACTIVE,
        )
        .select_related("person", "system")
        .distinct()
        .order_by("person__last_name", "person__first_name", "system__name", "pk")
    )
