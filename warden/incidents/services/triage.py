"""Triage of monitoring violations, the daily digest to the DSL(s) and the weekly report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Model
from django.urls import reverse

from warden.core.access import has_perm
from warden.core.audit import audit_log, audit_log_many
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.roles import Perm
from warden.incidents import rules, selectors
from warden.incidents.models import (
    OPEN_TRIAGE_STATES,
    Incident,
    IncidentKind,
    Part,
    Triage,
    TriageState,
)
from warden.incidents.services._shared import MAX_BULK, _expect_open, _link, _mail, _now
from warden.incidents.services.incidents import (
    incident_link_violations,
    incident_report,
    involvement_add,
)
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models import Violation
from warden.people.models import Person

# Violations read or written per statement: well inside SQLite's limit on parameters.
BATCH = 500


def _batches(ids: Sequence[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


@transaction.atomic
def triage_open(*, school: School, violation_ids: Sequence[int]) -> int:
    """Open triage (unviewed) for violations monitoring stored; returns how many it found.

    Each violation's severity, category, subject and the time it was found are copied onto
    its triage row with its deadline (``rules.triage_due_at``), one insert per batch. A
    violation ingested again keeps its triage state and decisions; only the copies follow
    what the line now says. Nothing is audited or e-mailed here: ``violations_received``
    alerts.
    """
    found = 0
    for ids in _batches(violation_ids):
        rows = Violation.objects.filter(school=school, pk__in=ids).values_list(
            "pk", "severity", "category", "person_id", "created_at"
        )
        opened = [
            Triage(
                school=school,
                violation_id=pk,
                severity=severity,
                category=category,
                person_id=person_id,
                found_at=found_at,
                due_at=rules.triage_due_at(found_at, school.timezone),
            )
            for pk, severity, category, person_id, found_at in rows
        ]
        Triage.objects.bulk_create(
            opened,
            update_conflicts=True,
            unique_fields=["violation"],
            update_fields=["severity", "category", "person"],
        )
        found += len(opened)
    return found


def _triage_rows(violations: Sequence[Violation]) -> list[Triage]:
    """The triage row of each violation, locked, opened where there is none yet."""
    by_id = {v.pk: v for v in violations}
    have = {
        t.violation_id: t
        for t in Triage.objects.select_for_update().filter(violation_id__in=list(by_id))
    }
    missing = [v for v in violations if v.pk not in have]
    for school in {v.school for v in missing}:
        triage_open(school=school, violation_ids=[v.pk for v in missing if v.school == school])
    if missing:
        have = {
            t.violation_id: t
            for t in Triage.objects.select_for_update().filter(violation_id__in=list(by_id))
        }
    rows = [have[v.pk] for v in violations]
    for t in rows:
        t.violation = by_id[t.violation_id]
    return rows


@transaction.atomic
def violations_received(*, school: School, violation_ids: Sequence[int]) -> dict[str, int]:
    """Open triage for newly found violations; e-mail the DSL(s) about severity 4–5 at once.

    Called for monitoring's ``violations_stored`` signal after each ingested chunk; safe to
    call again for the same ids: nothing is alerted twice. The e-mail says how many and how
    severe, never who or what.
    """
    received = triage_open(school=school, violation_ids=violation_ids)
    urgent_ids: list[int] = []
    for ids in _batches(violation_ids):
        urgent_ids += (
            Triage.objects.select_for_update()
            .filter(
                school=school,
                violation_id__in=ids,
                severity__gte=rules.ALERT_SEVERITY,
                alerted_at__isnull=True,
            )
            .values_list("violation_id", flat=True)
        )
    sent = 0
    if urgent_ids:
        urgent = list(
            Violation.objects.filter(school=school, pk__in=urgent_ids)
            .select_related("person")
            .order_by("pk")
        )
        now = _now()
        Triage.objects.filter(violation_id__in=urgent_ids).update(alerted_at=now, digested_at=now)
        # Each alert goes where Appendix B sends it (``rules.alert_route``): a pupil's to the
        # DSL team, an adult's to the headteacher, the head's to the chair of governors, and
        # never to its subject; one e-mail per set of recipients.
        recipients = selectors.alert_emails(school, urgent)
        by_recipients: dict[tuple[str, ...], list[Violation]] = {}
        for v in urgent:
            by_recipients.setdefault(tuple(recipients[v.pk]), []).append(v)
        link = _link(reverse("incidents:triage") + f"?min_severity={rules.ALERT_SEVERITY}")
        for to, found in by_recipients.items():
            worst = max(v.severity for v in found)
            sent += _mail(
                subject=(
                    f"[Warden] {school.name}: {len(found)} monitoring alert(s) of severity "
                    f"{worst} to look at now"
                ),
                body=(
                    f"Monitoring at {school.name} found {len(found)} violation(s) of severity "
                    f"{rules.ALERT_SEVERITY} or 5 (highest: {worst}).\n\nThey are "
                    f"confidential; sign in to Warden to see who and what:\n{link}\n"
                ),
                to=to,
            )
        audit_log(
            actor=None,
            action="violations.alerted",
            school=school,
            changes={
                "violations": [None, [v.pk for v in urgent]],
                "sent_to": [None, sent],
            },
        )
    return {"received": received, "alerted": len(urgent_ids), "emails": sent}


def violation_read(*, actor: User, violation: Violation) -> Triage:
    """Record a look at a violation; the first look moves it from unviewed to viewed."""
    with transaction.atomic():
        (triage,) = _triage_rows([violation])
        if triage.state == TriageState.UNVIEWED and has_perm(
            actor, Perm.VIOLATIONS_TRIAGE, violation.school_id
        ):
            triage.state = TriageState.VIEWED
            triage.viewed_at = _now()
            triage.viewed_by = actor
            triage.save(update_fields=["state", "viewed_at", "viewed_by"])
        audit_log(actor=actor, action="violation.viewed", obj=violation)
    return triage


def _named(labels: Sequence[str]) -> str:
    """The first few of ``labels``, and how many more."""
    more = len(labels) - 3
    return "; ".join(labels[:3]) + (f" and {more} more" if more > 0 else "")


def _check_batch(violations: Sequence[Violation], actor: User) -> School:
    if not violations:
        raise ServiceError("Choose at least one violation.")
    if len(violations) > MAX_BULK:
        raise ServiceError(f"Choose at most {MAX_BULK} violations at a time.")
    schools = {v.school_id for v in violations}
    if len(schools) != 1:
        raise ServiceError("Triage the violations of one school at a time.")
    subjects = {v.person_id for v in violations if v.person_id is not None}
    mine = set(
        Person.objects.filter(pk__in=subjects, user_id=actor.pk).values_list("pk", flat=True)
    )
    own = [f"“{v}”" for v in violations if v.person_id in mine]
    if own:
        raise ServiceError(
            f"{_named(own)} {'is' if len(own) == 1 else 'are'} about your own use: the "
            "headteacher (or the chair of governors) deals with your own violations "
            "(E-safety procedure, Appendix B, point 8). Leave "
            f"{'it' if len(own) == 1 else 'them'} out."
        )
    return violations[0].school


def _expect_open_rows(rows: Sequence[Triage]) -> None:
    """Refuse, naming them, violations someone has already decided about."""
    closed = [t for t in rows if t.state not in OPEN_TRIAGE_STATES]
    if closed:
        which = _named([f"“{t.violation}” ({t.get_state_display().lower()})" for t in closed])
        raise ServiceError(
            f"{len(closed)} of the chosen violations {'is' if len(closed) == 1 else 'are'} "
            f"no longer open, already decided: {which}. Leave "
            f"{'it' if len(closed) == 1 else 'them'} out and try again."
        )


@transaction.atomic
def triage_mark_viewed(*, actor: User, violations: Sequence[Violation]) -> int:
    school = _check_batch(violations, actor)
    rows = [t for t in _triage_rows(violations) if t.state == TriageState.UNVIEWED]
    now = _now()
    for t in rows:
        t.state, t.viewed_at, t.viewed_by = TriageState.VIEWED, now, actor
    Triage.objects.bulk_update(rows, ["state", "viewed_at", "viewed_by"])
    audit_log_many(
        actor=actor,
        action="violation.triaged",
        items=[(t.violation, {"state": [TriageState.UNVIEWED.value, t.state]}) for t in rows],
        school=school,
    )
    return len(rows)


@transaction.atomic
def triage_decide(*, actor: User, violations: Sequence[Violation], state: str, reason: str) -> int:
    """Archive violations as needing no action, or as false positives, with the reason.

    Appendix B point 3: "viewed violations which need no further action will be archived".
    A false positive is also a hint that the keyword needs an exclusion; the page links to
    the monitoring area's exclusions.
    """
    if state not in {TriageState.NO_ACTION, TriageState.FALSE_POSITIVE}:
        raise ServiceError("Choose “no action” or “false positive”.")
    if not reason.strip():
        raise ServiceError(
            "Say why no action is needed; the weekly report and any later review read it.",
            field_errors={"reason": ["Required."]},
        )
    return _decide(actor=actor, violations=violations, state=state, reason=reason)


def _decide(*, actor: User, violations: Sequence[Violation], state: str, reason: str) -> int:
    """Take still-open violations out of the queue in ``state``, with the reason, audited."""
    school = _check_batch(violations, actor)
    rows = _triage_rows(violations)
    _expect_open_rows(rows)
    now = _now()
    items: list[tuple[Model, Mapping[str, Any]]] = []
    for t in rows:
        items.append((t.violation, {"state": [t.state, state], "reason": [None, reason.strip()]}))
        t.state, t.reason = state, reason.strip()[:300]
        t.decided_at, t.decided_by = now, actor
        if t.viewed_at is None:
            t.viewed_at, t.viewed_by = now, actor
    Triage.objects.bulk_update(
        rows, ["state", "reason", "decided_at", "decided_by", "viewed_at", "viewed_by"]
    )
    audit_log_many(actor=actor, action="violation.triaged", items=items, school=school)
    return len(rows)


@transaction.atomic
def triage_escalate(
    *,
    actor: User,
    violations: Sequence[Violation],
    incident: Incident | None = None,
    kind: str = IncidentKind.OFFENSIVE_MATERIAL,
    title: str = "",
    reason: str = "",
) -> Incident:
    """Escalate violations to a new incident, or join them to an open one.

    Appendix B point 4: "violations judged to need further action will be saved"; the
    people the violations name become the new incident's subjects.
    """
    school = _check_batch(violations, actor)
    if len({v.person_id for v in violations}) > 1:
        raise ServiceError(
            "These violations are about different people. Escalate each person's violations "
            "on their own: each child is looked at individually."
        )
    rows = _triage_rows(violations)
    _expect_open_rows(rows)
    if incident is None:
        if not has_perm(actor, Perm.INCIDENTS_REPORT, school):
            raise ServiceError("Your role cannot open an incident.")
        subjects = {v.person_id: v.person for v in violations if v.person is not None}
        incident = incident_report(
            actor=actor,
            school=school,
            kind=kind,
            title=title.strip() or f"Monitoring: {category_label(violations[0].category)}",
            description=(
                reason.strip()
                or f"Escalated from {len(violations)} monitoring violation(s) in the triage queue."
            ),
            occurred_at=min(v.ts for v in violations),
            people=[(p, Part.SUBJECT) for p in subjects.values() if p is not None],
            violations=violations,
        )
    else:
        if incident.school_id != school.pk:
            raise ServiceError("Choose an incident of the same school.")
        _expect_open(incident, "join violations to it")
        incident_link_violations(actor=actor, incident=incident, violations=violations)
        for person in {v.person for v in violations if v.person is not None}:
            if not incident.involvements.filter(person=person, part=Part.SUBJECT).exists():
                involvement_add(actor=actor, incident=incident, person=person, part=Part.SUBJECT)
    now = _now()
    items: list[tuple[Model, Mapping[str, Any]]] = []
    for t in rows:
        items.append(
            (
                t.violation,
                {"state": [t.state, TriageState.ESCALATED.value], "incident": [None, incident.pk]},
            )
        )
        t.state, t.incident, t.reason = TriageState.ESCALATED, incident, reason.strip()[:300]
        t.decided_at, t.decided_by = now, actor
        if t.viewed_at is None:
            t.viewed_at, t.viewed_by = now, actor
    Triage.objects.bulk_update(
        rows, ["state", "incident", "reason", "decided_at", "decided_by", "viewed_at", "viewed_by"]
    )
    audit_log_many(actor=actor, action="violation.triaged", items=items, school=school)
    return incident


@transaction.atomic
def triage_route_welfare(*, actor: User, violations: Sequence[Violation], reason: str) -> int:
    """Take violations out of the triage queue as a welfare concern, not a breach.

    Safeguarding, not discipline (Keeping Children Safe in Education): the safeguarding area
    calls this inside the service that records the concern, so no incident, sanction or
    account change follows from the alert. ``reason`` names the concern for the weekly report.
    """
    if violations and not has_perm(actor, Perm.VIOLATIONS_TRIAGE, violations[0].school_id):
        raise ServiceError("Your role cannot triage monitoring violations.")
    return _decide(actor=actor, violations=violations, state=TriageState.WELFARE, reason=reason)


@transaction.atomic
def triage_digest_send(*, school: School, now: dt.datetime | None = None) -> int:
    """The daily digest to the DSL(s): violations below severity 4 not yet in a digest.

    Also counts what is overdue ("assessed on a daily basis"). Sends nothing when there is
    nothing new and nothing overdue. Returns the number of violations digested.
    """
    now = now or _now()
    fresh = Triage.objects.filter(
        school=school, state=TriageState.UNVIEWED, digested_at__isnull=True, found_at__lt=now
    )
    by_severity = dict(
        fresh.order_by()
        .values_list("severity")
        .annotate(n=Count("pk"))
        .values_list("severity", "n")
    )
    overdue = selectors.triage_overdue(school, now=now).count()
    if not by_severity and not overdue:
        return 0
    digested = fresh.update(digested_at=now)
    lines = [f"  severity {sev}: {n}" for sev, n in sorted(by_severity.items(), reverse=True)]
    body = (
        f"Monitoring at {school.name}: {digested} new violation(s) to triage.\n"
        + ("\n".join(lines) + "\n" if lines else "")
        + (f"\n{overdue} unviewed violation(s) are older than one school day.\n" if overdue else "")
        + f"\n{rules.TRIAGE_WORDS}\n\n{_link(reverse('incidents:triage'))}\n"
    )
    _mail(
        subject=f"[Warden] {school.name}: daily monitoring digest",
        body=body,
        to=selectors.emails_for_roles(school, rules.TRIAGE_ROLES),
    )
    audit_log(
        actor=None,
        action="violations.digest_sent",
        school=school,
        changes={"violations": [None, digested], "overdue": [None, overdue]},
    )
    return digested


def weekly_report_text(report: selectors.WeeklyReport) -> str:
    def rows(pairs: Iterable[tuple[Any, int]]) -> str:
        text = "\n".join(f"  {label}: {n}" for label, n in pairs)
        return text or "  none"

    return (
        f"Weekly monitoring and e-safety report for {report.school.name}\n"
        f"{report.start:%d/%m/%Y} to {report.end:%d/%m/%Y}\n\n"
        f"{rules.WEEKLY_WORDS}\n\n"
        f"Violations found: {report.violations}\n"
        f"By severity:\n{rows((f'severity {s}', n) for s, n in report.by_severity)}\n"
        f"By category:\n{rows(report.by_category)}\n"
        f"Triage decisions this week:\n{rows(report.triage_outcomes)}\n"
        f"Still unviewed: {report.still_unviewed} (older than one school day: {report.overdue})\n\n"
        f"Incidents reported:\n{rows(report.incidents_opened)}\n"
        f"Incidents closed: {report.incidents_closed}\n"
        f"Open incidents: {report.open_incidents} (severe: {report.severe_open})\n"
        f"Sanctions recorded:\n{rows(report.sanctions_started)}\n\n"
        "Counts only; the details are confidential and stay in Warden.\n"
    )


@transaction.atomic
def weekly_report_send(*, school: School, end: dt.datetime | None = None) -> str:
    """E-mail the weekly report to the SIRO and the headteacher (duty "Weekly monitoring
    report"); returns its text."""
    report = selectors.weekly_report(school, end=end or _now())
    text = weekly_report_text(report)
    sent = _mail(
        subject=f"[Warden] {school.name}: weekly monitoring and e-safety report",
        body=text,
        to=selectors.emails_for_roles(school, rules.WEEKLY_ROLES),
    )
    audit_log(
        actor=None,
        action="incidents.weekly_report_sent",
        school=school,
        changes={"sent_to": [None, sent], "violations": [None, report.violations]},
    )
    return text
