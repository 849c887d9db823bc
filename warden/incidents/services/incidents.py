"""Reporting and the record: report, note, people involved, status, severity, close,
reopen, linked violations and the access list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse

from warden.core.audit import audit_log, diff, snapshot
from warden.core.confidential import services as confidential
from warden.core.confidential.models import EntryKind
from warden.core.confidential.services import (
    chronology_add,
    next_number,
)
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.equipment import services as equipment_services
from warden.equipment.models import Asset, LossKind, LossReport
from warden.incidents import playbooks, rules, selectors
from warden.incidents.models import (
    ChronologyEntry,
    Incident,
    IncidentAccess,
    IncidentKind,
    IncidentStatus,
    Involvement,
    Outcome,
    Part,
    Sanction,
    SanctionKind,
    SanctionState,
    Severity,
)
from warden.incidents.services._sanctions import _sanction_create, _sanction_finish
from warden.incidents.services._shared import (
    _expect_open,
    _link,
    _locked,
    _mail,
    _now,
    _refresh_playbooks,
    _today,
)
from warden.incidents.signals import data_breach_reported
from warden.monitoring.models import Violation
from warden.people.models import Person


@transaction.atomic
def incident_report(
    *,
    actor: User | None,
    school: School,
    kind: str,
    title: str,
    description: str,
    occurred_at: dt.datetime | None = None,
    people: Iterable[tuple[Person, str]] = (),
    violations: Iterable[Violation] = (),
    asset_tag: str = "",
    loss_kind: str = "",
    notify: bool = True,
) -> Incident:
    """Record a new incident and tell the SIRO, DSL and headteacher at once (policy duty
    "Breaches reported at once to the SIRO", docs/policy-map.md).

    The reporter's own register record, when they have one, is added as "reporter". The
    playbooks the incident's kind needs are applied straight away. Lost or stolen equipment
    names the asset by its tag: its loss is recorded in the equipment register in the same
    transaction (marking the asset and any loan, and raising the possible-breach flag for
    the SIRO when it could expose personal data), whoever reports it. ``notify=False`` is
    for the demo data only, which must not queue e-mail.
    """
    errors: dict[str, list[str]] = {}
    if kind not in IncidentKind.values:
        errors["kind"] = ["Choose what kind of incident this is."]
    asset = None
    if kind == IncidentKind.LOST_EQUIPMENT:
        asset, asset_error = _lost_asset(school, asset_tag)
        if asset_error:
            errors["asset_tag"] = [asset_error]
        if loss_kind not in LossKind.values:
            errors["loss_kind"] = ["Say whether the equipment was lost or stolen."]
    if not title.strip():
        errors["title"] = ["Give the incident a short title (no names needed)."]
    if not description.strip():
        errors["description"] = ["Describe what happened, when and where."]
    occurred_at = occurred_at or _now()
    if occurred_at > _now() + dt.timedelta(minutes=5):
        errors["occurred_at"] = ["That time is in the future; give when it happened."]
    if errors:
        raise ServiceError(
            "The report was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    people = list(people)
    for person, _part in people:
        if person.school_id != school.pk:
            raise ServiceError(f"{person} is not on {school.name}'s register.")
    now = _now()
    incident = Incident.objects.create(
        school=school,
        number=next_number(Incident, school),
        kind=kind,
        title=title.strip()[:200],
        description=description.strip(),
        occurred_at=occurred_at,
        reported_at=now,
        reported_by=actor,
    )
    if actor is not None:
        own = Person.objects.filter(school=school, user=actor).first()
        if own is not None and (own, Part.REPORTER) not in people:
            people.append((own, Part.REPORTER))
    for person, part in people:
        Involvement.objects.get_or_create(
            incident=incident,
            person=person,
            part=part,
            defaults={"school": school, "added_at": now, "added_by": actor},
        )
    violations = list(violations)
    if violations:
        incident.violations.add(*violations)
    by = actor.get_full_name() or actor.get_username() if actor else "Warden"
    chronology_add(incident, actor, f"Reported by {by}.")
    if asset is not None:
        _record_loss(incident, asset, loss_kind, actor)
    audit_log(
        actor=actor,
        action="incident.reported",
        obj=incident,
        changes=diff({}, snapshot(incident, ["number", "kind", "title", "occurred_at"])),
    )
    _refresh_playbooks(incident, actor)
    if kind == IncidentKind.DATA_BREACH:
        # The data-protection area opens its breach record (incidents/signals.py).
        data_breach_reported.send(sender=Incident, incident=incident, actor=actor)
    if not notify:
        return incident
    link = _link(reverse("incidents:detail", args=[incident.pk]))
    _mail(
        subject=f"[Warden] {school.name}: new e-safety incident {incident.reference}",
        body=(
            f"A new e-safety incident ({incident.get_kind_display()}) was reported at "
            f"{school.name}.\n\n{rules.REPORT_WORDS}\n\nThe details are confidential; sign "
            f"in to Warden to read them:\n{link}\n"
        ),
        to=selectors.emails_for_roles(school, rules.report_notify_roles(kind)),
    )
    return incident


def _lost_asset(school: School, asset_tag: str) -> tuple[Asset | None, str]:
    """The school's asset with this tag, or why it cannot be the lost one."""
    tag = " ".join(asset_tag.split())
    if not tag:
        return None, (
            "Give the asset tag from the label on the lost or stolen equipment, so its loss "
            "is recorded and the SIRO can assess it."
        )
    asset = Asset.objects.filter(school=school, asset_tag__iexact=tag).first()
    if asset is None:
        return None, (
            f"No equipment at {school.name} has the asset tag {tag}; check the label (for a "
            "personal device, choose another kind of incident)."
        )
    return asset, ""


def _record_loss(incident: Incident, asset: Asset, loss_kind: str, actor: User | None) -> None:
    """Record the loss in the equipment register and link it to the incident.

    The equipment service's refusals (already recorded as lost, a description too short)
    are the reporter's to fix, so they come back against the report's own fields.
    """
    try:
        loss = equipment_services.loss_report(
            actor=actor,
            asset=asset,
            kind=loss_kind,
            circumstances=incident.description,
            happened_at=incident.occurred_at,
        )
    except ServiceError as exc:
        fields = {"circumstances": "description", "happened_at": "occurred_at"}
        raise ServiceError(
            f"The report was not saved: {exc.message}",
            field_errors={
                fields.get(name, "asset_tag"): messages
                for name, messages in (exc.field_errors or {"asset_tag": [exc.message]}).items()
            },
        ) from exc
    incident.loss_report = loss
    incident.save(update_fields=["loss_report"])
    flagged = hasattr(loss, "possible_breach")
    chronology_add(
        incident,
        actor,
        f"Loss of {asset.asset_tag} recorded in the equipment register"
        + ("; possible personal data breach raised for the SIRO." if flagged else "."),
    )


def loss_of(incident: Incident) -> LossReport | None:
    """The equipment loss record a report made, if any."""
    if incident.loss_report_id is None:
        return None
    return LossReport.objects.select_related("asset", "possible_breach").get(
        pk=incident.loss_report_id
    )


def incident_read(*, actor: User, incident: Incident, what: str = "incident.viewed") -> None:
    """Record that someone read an incident (every view is in the audit trail)."""
    audit_log(actor=actor, action=what, obj=incident)


@transaction.atomic
def incident_note_add(
    *, actor: User, incident: Incident, text: str, kind: str = EntryKind.NOTE
) -> ChronologyEntry:
    """Add a line to the chronology (a note or an action taken); it is never changed."""
    if kind not in {EntryKind.NOTE, EntryKind.ACTION}:
        raise ServiceError("Choose whether this is a note or an action taken.")
    if not text.strip():
        raise ServiceError("Write what was done or noted.", field_errors={"text": ["Required."]})
    incident = _locked(incident)
    entry = chronology_add(incident, actor, text.strip(), kind)
    assert isinstance(entry, ChronologyEntry)
    audit_log(
        actor=actor,
        action="incident.chronology_added",
        obj=incident,
        changes={"entry": [None, entry.pk], "kind": [None, kind]},
    )
    return entry


@transaction.atomic
def involvement_add(*, actor: User, incident: Incident, person: Person, part: str) -> Involvement:
    """Add someone from the register to the incident with their part in it."""
    if part not in Part.values:
        raise ServiceError("Choose the person's part: subject, victim, witness or reporter.")
    if person.school_id != incident.school_id:
        raise ServiceError(f"{person} is not on this school's register.")
    incident = _locked(incident)
    involvement, created = Involvement.objects.get_or_create(
        incident=incident,
        person=person,
        part=part,
        defaults={"school_id": incident.school_id, "added_at": _now(), "added_by": actor},
    )
    if not created:
        raise ServiceError(f"{person} is already recorded as {Part(part).label.lower()}.")
    chronology_add(incident, actor, f"{person} added as {Part(part).label.lower()}.")
    audit_log(
        actor=actor,
        action="incident.person_added",
        obj=incident,
        changes={"person": [None, person.pk], "part": [None, part]},
    )
    _refresh_playbooks(incident, actor)
    return involvement


@transaction.atomic
def involvement_remove(*, actor: User, involvement: Involvement, reason: str) -> None:
    """Take someone off an incident recorded by mistake; the chronology keeps that it happened."""
    if not reason.strip():
        raise ServiceError("Say why this person is taken off the incident.")
    incident = _locked(involvement.incident)
    if Sanction.objects.filter(incident=incident, person=involvement.person).exists():
        raise ServiceError(
            f"{involvement.person} has a sanction on this incident; end it rather than "
            "removing them."
        )
    chronology_add(
        incident,
        actor,
        f"{involvement.person} removed as {involvement.get_part_display().lower()}: "
        f"{reason.strip()}",
    )
    audit_log(
        actor=actor,
        action="incident.person_removed",
        obj=incident,
        changes={"person": [involvement.person_id, None], "part": [involvement.part, None]},
    )
    involvement.delete()


@transaction.atomic
def incident_set_status(*, actor: User, incident: Incident, status: str) -> Incident:
    if status not in {IncidentStatus.OPEN, IncidentStatus.INVESTIGATING}:
        raise ServiceError("Close an incident with its outcome, through “Close”.")
    incident = _locked(incident)
    _expect_open(incident, "change its status")
    before = snapshot(incident, ["status"])
    incident.status = status
    incident.save(update_fields=["status", "updated_at"])
    changes = diff(before, snapshot(incident, ["status"]))
    if changes:
        chronology_add(incident, actor, f"Status: {incident.get_status_display()}.")
        audit_log(actor=actor, action="incident.status_changed", obj=incident, changes=changes)
    return incident


@transaction.atomic
def incident_set_severity(
    *,
    actor: User,
    incident: Incident,
    severity: str,
    reason: str = "",
    suspend_accounts: bool = False,
) -> Incident:
    """Assess the breach as minor, moderate or severe (policy duty "Breaches graded minor,
    moderate or severe", docs/policy-map.md).

    When the assessment follows Appendix C's proposal, the chronology quotes the rule. A
    severe breach suspends the subjects' accounts until the outcome only when the person
    assessing it chooses so (``suspend_accounts``) and says why: Appendix C says access "may"
    be withdrawn, and a child whose alert is really a safeguarding concern must never lose
    their accounts by default.
    """
    if severity not in Severity.values:
        raise ServiceError("Choose minor, moderate or severe.")
    if suspend_accounts and severity != Severity.SEVERE:
        raise ServiceError(
            "Accounts are suspended only for a severe breach; untick the suspension or "
            "choose severe.",
            field_errors={"suspend_accounts": ["Only for a severe breach."]},
        )
    if suspend_accounts and not reason.strip():
        raise ServiceError(
            "Say why the subjects' accounts must be suspended until the outcome.",
            field_errors={"reason": ["Required when accounts are suspended."]},
        )
    incident = _locked(incident)
    _expect_open(incident, "assess it")
    proposals = {p.proposal.severity: p for p in selectors.escalation_proposals(incident)}
    before = snapshot(incident, ["severity"])
    incident.severity = severity
    incident.severity_set_at = _now()
    incident.severity_set_by = actor
    incident.save(update_fields=["severity", "severity_set_at", "severity_set_by", "updated_at"])
    changes = diff(before, snapshot(incident, ["severity"]))
    if not changes:
        return incident
    line = f"Severity assessed as {Severity(severity).label.lower()}."
    if severity in proposals:
        p = proposals[severity].proposal
        line += f" Following {p.clause}: {p.words} Earlier: {', '.join(p.because)}."
    if reason.strip():
        line += f" {reason.strip()}"
    chronology_add(incident, actor, line)
    audit_log(actor=actor, action="incident.severity_set", obj=incident, changes=changes)
    _refresh_playbooks(incident, actor)
    if suspend_accounts:
        today = _today(incident.school)
        for involvement in incident.involvements.filter(part=Part.SUBJECT).select_related("person"):
            held = Sanction.objects.filter(
                incident=incident,
                person=involvement.person,
                kind=SanctionKind.SUSPENSION,
                state=SanctionState.ACTIVE,
            ).exists()
            if not held:
                _sanction_create(
                    actor=actor,
                    incident=incident,
                    person=involvement.person,
                    kind=SanctionKind.SUSPENSION,
                    starts_on=today,
                    ends_on=None,
                    notes=f"Severe breach: until the outcome. {reason.strip()}"[:300],
                )
    return incident


@transaction.atomic
def incident_close(*, actor: User, incident: Incident, outcome: str, notes: str) -> Incident:
    """Close an incident with its outcome, once every mandatory playbook step is done.

    Suspensions "until the outcome" end now, and the accounts they suspended come back.
    """
    if outcome not in Outcome.values:
        raise ServiceError("Choose the outcome.", field_errors={"outcome": ["Required."]})
    if not notes.strip():
        raise ServiceError(
            "Summarise the outcome: what was found and what was done.",
            field_errors={"notes": ["Required."]},
        )
    incident = _locked(incident)
    _expect_open(incident, "close it again")
    open_steps = list(
        incident.steps.filter(mandatory=True, done_at__isnull=True).order_by("playbook", "position")
    )
    if open_steps:
        named = "; ".join(
            f"“{step.text}” ({book.title if book else step.playbook})"
            for step in open_steps
            for book in [playbooks.PLAYBOOKS.get(step.playbook)]
        )
        raise ServiceError(
            f"This incident cannot be closed while {len(open_steps)} mandatory "
            f"step{'s are' if len(open_steps) > 1 else ' is'} open: {named}. "
            "Tick them in the playbook, then close it."
        )
    if incident.severity == "" and outcome == Outcome.UPHELD:
        raise ServiceError("Assess the severity of an upheld breach before closing it.")
    before = snapshot(incident, ["status", "outcome", "outcome_notes"])
    incident.status = IncidentStatus.CLOSED
    incident.outcome = outcome
    incident.outcome_notes = notes.strip()
    incident.closed_at = _now()
    incident.closed_by = actor
    incident.save()
    chronology_add(
        incident, actor, f"Closed: {incident.get_outcome_display()}. {incident.outcome_notes}"
    )
    audit_log(
        actor=actor,
        action="incident.closed",
        obj=incident,
        changes=diff(before, snapshot(incident, ["status", "outcome", "outcome_notes"])),
    )
    for sanction in Sanction.objects.filter(
        incident=incident, kind=SanctionKind.SUSPENSION, state=SanctionState.ACTIVE
    ):
        _sanction_finish(sanction, actor, SanctionState.ENDED, "the incident is closed")
    return incident


@transaction.atomic
def incident_reopen(*, actor: User, incident: Incident, reason: str) -> Incident:
    if not reason.strip():
        raise ServiceError(
            "Say why the incident is reopened.", field_errors={"reason": ["Required."]}
        )
    incident = _locked(incident)
    if incident.status != IncidentStatus.CLOSED:
        raise ServiceError(f"{incident.reference} is not closed.")
    before = snapshot(incident, ["status"])
    incident.status = IncidentStatus.INVESTIGATING
    incident.closed_at = None
    incident.closed_by = None
    incident.save()
    chronology_add(incident, actor, f"Reopened: {reason.strip()}")
    audit_log(
        actor=actor,
        action="incident.reopened",
        obj=incident,
        changes=diff(before, snapshot(incident, ["status"])),
    )
    return incident


@transaction.atomic
def incident_link_violations(
    *, actor: User, incident: Incident, violations: Sequence[Violation]
) -> int:
    incident = _locked(incident)
    wrong = [v for v in violations if v.school_id != incident.school_id]
    if wrong:
        raise ServiceError("Only violations found at this school can be linked.")
    already = set(incident.violations.values_list("pk", flat=True))
    new = [v for v in violations if v.pk not in already]
    if not new:
        return 0
    incident.violations.add(*new)
    chronology_add(incident, actor, f"{len(new)} monitoring violation(s) linked.")
    audit_log(
        actor=actor,
        action="incident.violations_linked",
        obj=incident,
        changes={"violations": [None, [v.pk for v in new]]},
    )
    return len(new)


# --- the access list --------------------------------------------------------------------------


@transaction.atomic
def access_grant(*, actor: User, incident: Incident, user: User, reason: str) -> IncidentAccess:
    """Let one more Warden user read this incident (an investigator, a cluster leader)."""
    entry = confidential.access_grant(
        actor=actor, record=incident, user=user, reason=reason, kind=rules.INCIDENT_RECORDS
    )
    assert isinstance(entry, IncidentAccess)
    return entry


@transaction.atomic
def access_revoke(*, actor: User, entry: IncidentAccess) -> None:
    confidential.access_revoke(
        actor=actor, entry=entry, record=entry.incident, kind=rules.INCIDENT_RECORDS
    )
