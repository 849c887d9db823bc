"""Reads of the incident log and the triage queue that pages, e-mails and reports share."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from warden.accounts.models import Account, AccountState
from warden.core.models import Membership, School
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


def alert_emails(school: School, violation: Violation) -> list[str]:
    """Who is e-mailed at once about ``violation`` (``rules.alert_route``): never its subject."""
    person = violation.person
    subject_user_id = person.user_id if person is not None else None
    subject_roles: list[str] = []
    if subject_user_id is not None:
        subject_roles = list(
            _memberships_at(school).filter(user_id=subject_user_id).values_list("role", flat=True)
        )
    route = rules.alert_route(
        subject_is_pupil=person is None or person.person_type == PersonType.PUPIL,
        subject_user_id=subject_user_id,
        subject_roles=subject_roles,
    )
    rows = (
        _memberships_at(school)
        .filter(role__in=list(route.roles))
        .exclude(user_id__in=list(route.exclude_user_ids))
        .values_list("user__email", flat=True)
    )
    emails = {email for email in rows if email}
    if route.chair:
        emails |= set(chair_of_governors_emails(school))
    if subject_user_id is not None:
        own = Membership.objects.filter(user_id=subject_user_id).values_list(
            "user__email", flat=True
        )
        emails -= set(own)
    return sorted(emails)


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


def violations_with_triage(school: School) -> QuerySet[Violation]:
    """The school's violations, each annotated ``triage_state`` (unviewed when untouched)."""
    return (
        Violation.objects.filter(school=school)
        .select_related("person", "triage", "triage__incident")
        .annotate(triage_state=Coalesce("triage__state", Value(TriageState.UNVIEWED.value)))
    )


def triage_queue(
    school: School,
    f: TriageFilter,
    *,
    now: dt.datetime | None = None,
    viewer_id: int | None = None,
) -> QuerySet[Violation]:
    """The queue: by default the open ones, most severe first, then oldest first.

    The viewer's own violations are left out (Appendix B point 10): the headteacher, or the
    chair of governors, deals with them.
    """
    rows = violations_with_triage(school)
    if viewer_id is not None:
        rows = rows.exclude(person__user_id=viewer_id)
    if f.state == "open":
        rows = rows.filter(**{"triage_state__in": sorted(OPEN_TRIAGE_STATES)})
    elif f.state:
        rows = rows.filter(**{"triage_state": f.state})
    if f.min_severity:
        rows = rows.filter(severity__gte=f.min_severity)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.overdue:
        cutoff = rules.triage_overdue_before(now or timezone.now(), school.timezone)
        rows = rows.filter(**{"triage_state": TriageState.UNVIEWED}, created_at__lt=cutoff)
    return rows.order_by("-severity", "created_at", "pk")


def triage_overdue(school: School, *, now: dt.datetime | None = None) -> QuerySet[Violation]:
    """Unviewed violations older than one school day (``rules.triage_due_at``)."""
    cutoff = rules.triage_overdue_before(now or timezone.now(), school.timezone)
    return violations_with_triage(school).filter(
        **{"triage_state": TriageState.UNVIEWED}, created_at__lt=cutoff
    )


def triage_categories(school: School) -> list[str]:
    return list(
        Violation.objects.filter(school=school)
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")
    )


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
    week = Violation.objects.filter(school=school, created_at__gte=start, created_at__lt=end)
    report.violations = week.count()
    sev = Counter(week.values_list("severity", flat=True))
    report.by_severity = sorted(sev.items(), reverse=True)
    cat = Counter(week.values_list("category", flat=True))
    report.by_category = cat.most_common(10)
    decided = Counter(
        Triage.objects.filter(school=school, decided_at__gte=start, decided_at__lt=end).values_list(
            "state", flat=True
        )
    )
    report.triage_outcomes = [
        (label, decided[value]) for value, label in TriageState.choices if decided.get(value)
    ]
    report.still_unviewed = (
        violations_with_triage(school).filter(**{"triage_state": TriageState.UNVIEWED}).count()
    )
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
