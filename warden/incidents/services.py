"""Every write to the incident log and the triage queue goes through these services.

Each runs in a transaction, writes the audit trail and, for an incident, a line of its
chronology, and raises ``ServiceError`` with a message a person can act on. E-mails say
only that something needs attention and link to Warden: the details stay behind sign-in.

Monitoring's ``violations_stored`` signal reaches ``violations_received`` (through
``receivers.py``) for each ingested chunk that found violations: it opens their triage and
e-mails the DSL(s) about any of severity 4 or 5 once the chunk commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import Account, AccountState
from warden.accounts.services import account_reenable, account_suspend
from warden.core.access import has_perm
from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.confidential import services as confidential
from warden.core.confidential.models import EntryKind
from warden.core.confidential.services import (
    chronology_add,
    next_number,
    step_tick,
    steps_apply,
)
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.roles import Perm
from warden.core.tasks import send_email_on_commit
from warden.equipment import services as equipment_services
from warden.equipment.models import Asset, LossKind, LossReport
from warden.incidents import playbooks, rules, selectors
from warden.incidents.models import (
    OPEN_TRIAGE_STATES,
    ChronologyEntry,
    Evidence,
    Incident,
    IncidentAccess,
    IncidentKind,
    IncidentStatus,
    Involvement,
    Outcome,
    Part,
    PlaybookStep,
    Sanction,
    SanctionKind,
    SanctionState,
    Severity,
    Triage,
    TriageState,
)
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.models import Violation
from warden.people.models import Person

EVIDENCE_DIR = "evidence"
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
MAX_BULK = 200


def _now() -> dt.datetime:
    return timezone.now()


def _today(school: School) -> dt.date:
    return timezone.localtime(_now(), ZoneInfo(school.timezone)).date()


def _link(path: str) -> str:
    return absolute_url(path)


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update()
        .select_related("school", "school__trust")
        .get(pk=incident.pk)
    )


def _expect_open(incident: Incident, what: str) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ServiceError(f"{incident.reference} is closed; reopen it before you {what}.")


def _mail(*, subject: str, body: str, to: Sequence[str]) -> int:
    if not to:
        return 0
    send_email_on_commit(subject=subject, body=body, to=list(to))
    return len(to)


# --- reporting and the record ---------------------------------------------------------------


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


# --- playbooks ------------------------------------------------------------------------------


def _apply_playbook(incident: Incident, key: str, actor: User | None) -> int:
    book = playbooks.PLAYBOOKS[key]
    return steps_apply(
        incident,
        key=key,
        title=book.title,
        source=book.source,
        steps=[playbooks.local_step(incident.school, s) for s in book.steps],
        actor=actor,
    )


def _refresh_playbooks(incident: Incident, actor: User | None) -> None:
    subject_types = incident.involvements.filter(part=Part.SUBJECT).values_list(
        "person__person_type", flat=True
    )
    for key in playbooks.playbooks_for(
        kind=incident.kind, severity=incident.severity, subject_types=list(subject_types)
    ):
        _apply_playbook(incident, key, actor)


@transaction.atomic
def playbook_apply(*, actor: User, incident: Incident, key: str) -> int:
    """Add a playbook by hand (a pupil violation also needing the bullying steps)."""
    if key not in playbooks.PLAYBOOKS:
        raise ServiceError("Choose a playbook from the list.")
    incident = _locked(incident)
    _expect_open(incident, "add a playbook")
    added = _apply_playbook(incident, key, actor)
    if not added:
        raise ServiceError(f"“{playbooks.PLAYBOOKS[key].title}” is already applied.")
    audit_log(
        actor=actor,
        action="incident.playbook_applied",
        obj=incident,
        changes={"playbook": [None, key]},
    )
    return added


@transaction.atomic
def step_complete(*, actor: User, step: PlaybookStep, note: str = "") -> PlaybookStep:
    """Tick a playbook step, with who and when (and whom they told, in the note)."""
    step = PlaybookStep.objects.select_for_update().select_related("incident").get(pk=step.pk)
    _expect_open(step.incident, "tick its steps")
    step_tick(actor=actor, step=step, record=step.incident, note=note, kind=rules.INCIDENT_RECORDS)
    return step


# --- evidence -------------------------------------------------------------------------------


def evidence_root() -> Path:
    return Path(settings.VAR_DIR) / EVIDENCE_DIR


def _store(chunks: Iterable[bytes], relative: str) -> tuple[int, str]:
    target = evidence_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # "x": never overwrite; a stored file is written once.
    with open(target, "xb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_EVIDENCE_BYTES:
                out.close()
                target.unlink()
                raise ServiceError(
                    f"The file is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB; "
                    "keep it on the secured device and describe where it is instead."
                )
            digest.update(chunk)
            out.write(chunk)
    os.chmod(target, 0o440)
    return size, digest.hexdigest()


@transaction.atomic
def evidence_add(
    *,
    actor: User,
    incident: Incident,
    title: str,
    filename: str,
    chunks: Iterable[bytes],
    content_type: str = "",
    note: str = "",
    supersedes: Evidence | None = None,
) -> Evidence:
    """Keep a file for an incident with its SHA-256, or a new version of one already kept.

    The stored file is never changed or removed; a new version points at the one it
    replaces, and both stay.
    """
    if not title.strip():
        raise ServiceError("Give the evidence a title.", field_errors={"title": ["Required."]})
    incident = _locked(incident)
    _expect_open(incident, "add evidence")
    if supersedes is not None:
        if supersedes.incident_id != incident.pk:
            raise ServiceError("A new version must replace evidence of the same incident.")
        if Evidence.objects.filter(supersedes=supersedes).exists():
            raise ServiceError(
                f"“{supersedes.title}” already has a newer version; replace that one instead."
            )
        if not note.strip():
            raise ServiceError(
                "Say why this version replaces the earlier one.",
                field_errors={"note": ["Required for a new version."]},
            )
    safe_name = Path(filename or "file").name[:200] or "file"
    relative = f"{incident.school_id}/{incident.pk}/{uuid.uuid4().hex}"
    size, sha256 = _store(chunks, relative)
    if size == 0:
        (evidence_root() / relative).unlink()
        raise ServiceError("The file is empty.", field_errors={"file": ["Choose a file."]})
    evidence = Evidence.objects.create(
        school_id=incident.school_id,
        incident=incident,
        title=title.strip()[:200],
        filename=safe_name,
        content_type=content_type[:100],
        size=size,
        sha256=sha256,
        path=relative,
        uploaded_at=_now(),
        uploaded_by=actor,
        note=note.strip()[:300],
        supersedes=supersedes,
    )
    what = f"new version of “{supersedes.title}”" if supersedes else "evidence"
    chronology_add(incident, actor, f"Added {what}: {evidence.title} (SHA-256 {sha256[:12]}…).")
    audit_log(
        actor=actor,
        action="evidence.superseded" if supersedes else "evidence.added",
        obj=evidence,
        school=incident.school,
        changes=diff(
            {},
            snapshot(evidence, ["incident", "title", "filename", "size", "sha256", "supersedes"]),
        ),
    )
    return evidence


def evidence_open(*, actor: User, evidence: Evidence) -> IO[bytes]:
    """Open a stored file for download after checking it still matches its SHA-256."""
    path = evidence_root() / evidence.path
    if not path.exists():
        raise ServiceError(f"The file of “{evidence.title}” is missing from the evidence store.")
    digest = hashlib.sha256()
    with open(path, "rb") as stored:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != evidence.sha256:
        audit_log(
            actor=actor, action="evidence.mismatch", obj=evidence, school=evidence.incident.school
        )
        raise ServiceError(
            f"The stored file of “{evidence.title}” no longer matches the SHA-256 recorded when "
            "it was uploaded; tell the SIRO. It has not been sent."
        )
    audit_log(
        actor=actor, action="evidence.downloaded", obj=evidence, school=evidence.incident.school
    )
    return open(path, "rb")


# --- sanctions --------------------------------------------------------------------------------


def _held_by_others(sanction: Sanction) -> set[int]:
    """Accounts another sanction in force on the same person holds suspended."""
    held: set[int] = set()
    for other in Sanction.objects.filter(
        person_id=sanction.person_id, state=SanctionState.ACTIVE
    ).exclude(pk=sanction.pk):
        held.update(other.suspended_accounts)
    return held


def _withdraw(sanction: Sanction, actor: User | None) -> None:
    """Suspend the person's accounts through the accounts area and remember which.

    An account another sanction already holds suspended is recorded here too, so it comes
    back only when the last sanction covering it ends.
    """
    until = f" until {sanction.ends_on:%d/%m/%Y}" if sanction.ends_on else " until the outcome"
    reason = f"E-safety sanction on {sanction.incident.reference}{until}"
    kinds = rules.SANCTION_SYSTEM_KINDS.get(sanction.kind)
    accounts = Account.objects.filter(
        person_id=sanction.person_id, state__in=[AccountState.ACTIVE, AccountState.SUSPENDED]
    ).select_related("system")
    if kinds is not None:
        accounts = accounts.filter(system__kind__in=sorted(kinds))
    held = _held_by_others(sanction)
    covered: list[int] = []
    suspended = 0
    for account in accounts.order_by("pk"):
        if account.state == AccountState.ACTIVE:
            account_suspend(actor=actor, account=account, reason=reason)
            suspended += 1
        elif account.pk not in held:
            continue  # suspended for another reason: not this sanction's to restore
        covered.append(account.pk)
    sanction.suspended_accounts = sorted(set(sanction.suspended_accounts) | set(covered))
    sanction.save(update_fields=["suspended_accounts"])
    if suspended:
        chronology_add(
            sanction.incident,
            actor,
            f"{suspended} account(s) of {sanction.person} suspended ({reason}).",
        )


def _restore(sanction: Sanction, actor: User | None) -> None:
    """Re-enable what this sanction suspended, unless another sanction in force holds it."""
    held_elsewhere = _held_by_others(sanction)
    restored: list[int] = []
    problems: list[str] = []
    for account in Account.objects.filter(pk__in=sanction.suspended_accounts).order_by("pk"):
        if account.state != AccountState.SUSPENDED or account.pk in held_elsewhere:
            continue
        try:
            with transaction.atomic():
                account_reenable(actor=actor, account=account)
        except ServiceError as exc:
            problems.append(f"{account}: {exc.message}")
        else:
            restored.append(account.pk)
    sanction.restored_accounts = restored
    sanction.save(update_fields=["restored_accounts"])
    if restored:
        chronology_add(
            sanction.incident, actor, f"{len(restored)} account(s) of {sanction.person} restored."
        )
    for problem in problems:
        chronology_add(sanction.incident, actor, f"Could not restore {problem}")


def _regroup(sanction: Sanction, actor: User | None) -> None:
    """Put the person in the school's "No internet" filter group until the sanction ends.

    Another internet withdrawal in force on the same person shares the one assignment,
    lengthened to the later end, so the person comes back only when the last one ends.
    """
    from warden.monitoring.models import AssignmentSource
    from warden.monitoring.services.filtering import filter_group_assign, no_internet_group

    school = sanction.incident.school
    group = no_internet_group(school)
    ends = (
        dt.datetime.combine(sanction.ends_on, dt.time(0), tzinfo=ZoneInfo(school.timezone))
        if sanction.ends_on
        else None
    )
    until = f" until {sanction.ends_on:%d/%m/%Y}" if sanction.ends_on else ""
    assignment = filter_group_assign(
        actor=actor,
        person=sanction.person,
        group=group,
        # Filtering pages are open beyond the safeguarding team: name no incident here.
        reason=f"Internet access withdrawn{until} (e-safety sanction)",
        ends=ends,
        source=AssignmentSource.SANCTION,
    )
    sanction.filter_assignment = assignment
    sanction.save(update_fields=["filter_assignment"])
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.person} moved to the {group.name} filter group{until}.",
    )


def _ungroup(sanction: Sanction, actor: User | None) -> bool:
    """Take the person out of the "No internet" group, back to their rule-based group,
    unless another sanction in force holds the same assignment; True when done."""
    from warden.monitoring.services.filtering import filter_group_unassign

    assignment = sanction.filter_assignment
    if assignment is None:
        return False
    others = Sanction.objects.filter(
        filter_assignment=assignment, state=SanctionState.ACTIVE
    ).exclude(pk=sanction.pk)
    if others.exists():
        return False
    assignment.refresh_from_db()
    if assignment.removed_at is None:
        filter_group_unassign(
            actor=actor,
            assignment=assignment,
            reason="The e-safety sanction's period is over",
        )
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.person} back in the filter group their rules give them.",
    )
    return True


def _sanction_create(
    *,
    actor: User,
    incident: Incident,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    notes: str,
) -> Sanction:
    refusal = rules.sanction_refusal(
        kind=kind, severity=incident.severity, starts_on=starts_on, ends_on=ends_on
    )
    if refusal:
        raise ServiceError(refusal, field_errors={"ends_on": [refusal]} if ends_on else {})
    sanction = Sanction.objects.create(
        school_id=incident.school_id,
        incident=incident,
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on if kind in rules.PERIOD_SANCTIONS else None,
        lapses_on=(
            rules.verbal_warning_lapses_on(starts_on)
            if kind == SanctionKind.VERBAL_WARNING
            else None
        ),
        notes=notes.strip()[:300],
        created_at=_now(),
        created_by=actor,
    )
    sanction.incident = incident
    line = f"Sanction for {person}: {sanction.get_kind_display()} from {starts_on:%d/%m/%Y}"
    if sanction.ends_on:
        line += f" to {sanction.ends_on:%d/%m/%Y} (access back that day)"
    if sanction.lapses_on:
        line += f", held on record until {sanction.lapses_on:%d/%m/%Y}"
    chronology_add(incident, actor, line + f". {rules.SANCTION_WORDS[kind]}")
    audit_log(
        actor=actor,
        action="sanction.recorded",
        obj=sanction,
        changes=diff(
            {}, snapshot(sanction, ["incident", "person", "kind", "starts_on", "ends_on"])
        ),
    )
    if starts_on <= _today(incident.school):
        if rules.suspends_accounts(kind):
            _withdraw(sanction, actor)
        if rules.regroups(kind):
            _regroup(sanction, actor)
    return sanction


@transaction.atomic
def sanction_add(
    *,
    actor: User,
    incident: Incident,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    notes: str = "",
) -> Sanction:
    """Record a sanction for a subject of the incident; withdrawals suspend their accounts.

    A withdrawal "for a period" suspends the accounts it covers on its first day and the
    daily ``warden incidents sanctions`` run restores them on ``ends_on``. Withdrawing
    internet access also moves the person into the school's "No internet" filter group for
    the period, and the same run puts them back in their rule-based group at the end.
    """
    if kind not in SanctionKind.values:
        raise ServiceError("Choose a sanction.", field_errors={"kind": ["Required."]})
    incident = _locked(incident)
    _expect_open(incident, "record a sanction")
    if not incident.involvements.filter(person=person, part=Part.SUBJECT).exists():
        raise ServiceError(
            f"{person} is not a subject of this incident; sanctions apply to the person whose "
            "conduct it concerns.",
            field_errors={"person": ["Choose a subject of the incident."]},
        )
    return _sanction_create(
        actor=actor,
        incident=incident,
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        notes=notes,
    )


def _sanction_finish(sanction: Sanction, actor: User | None, state: str, why: str) -> None:
    sanction.state = state
    sanction.ended_at = _now()
    sanction.ended_by = actor
    sanction.save(update_fields=["state", "ended_at", "ended_by"])
    chronology_add(
        sanction.incident,
        actor,
        f"{sanction.get_kind_display()} for {sanction.person} "
        f"{'lapsed' if state == SanctionState.LAPSED else 'ended'}: {why}.",
    )
    audit_log(
        actor=actor,
        action="sanction.lapsed" if state == SanctionState.LAPSED else "sanction.ended",
        obj=sanction,
        school=sanction.incident.school,
        changes={"state": [SanctionState.ACTIVE.value, state], "why": [None, why]},
    )
    if sanction.suspended_accounts:
        _restore(sanction, actor)
    if sanction.filter_assignment_id is not None:
        _ungroup(sanction, actor)


@transaction.atomic
def sanction_end(*, actor: User, sanction: Sanction, reason: str) -> Sanction:
    """End a sanction early (an appeal, a mistake); withdrawn accounts come back."""
    if not reason.strip():
        raise ServiceError("Say why it ends early.", field_errors={"reason": ["Required."]})
    sanction = (
        Sanction.objects.select_for_update()
        .select_related("incident", "incident__school", "incident__school__trust", "person")
        .get(pk=sanction.pk)
    )
    if sanction.state != SanctionState.ACTIVE:
        raise ServiceError("This sanction is no longer in force.")
    _sanction_finish(sanction, actor, SanctionState.ENDED, reason.strip())
    return sanction


@dataclass
class SanctionsRun:
    started: int = 0
    ended: int = 0
    lapsed: int = 0
    accounts_suspended: int = 0
    accounts_restored: int = 0
    regrouped: int = 0
    problems: list[str] = field(default_factory=list)


def sanctions_process(
    *, school: School | None = None, today: dt.date | None = None
) -> SanctionsRun:
    """The daily run: start withdrawals due today, end those due, lapse verbal warnings.

    A withdrawal "for a period" ends on its ``ends_on`` day and its accounts come back (an
    internet withdrawal's person leaves the "No internet" filter group); a verbal warning
    stops counting after 12 months (duty "Verbal warnings held for 12 months").
    """
    run = SanctionsRun()
    active = Sanction.objects.filter(state=SanctionState.ACTIVE).select_related(
        "incident", "incident__school", "incident__school__trust", "person"
    )
    if school is not None:
        active = active.filter(school=school)
    for sanction in active.order_by("pk"):
        day = today or _today(sanction.incident.school)
        with transaction.atomic():
            if sanction.kind == SanctionKind.VERBAL_WARNING:
                if sanction.lapses_on and sanction.lapses_on <= day:
                    _sanction_finish(sanction, None, SanctionState.LAPSED, "12 months have passed")
                    run.lapsed += 1
                continue
            if sanction.ends_on and sanction.ends_on <= day:
                _sanction_finish(sanction, None, SanctionState.ENDED, "its period is over")
                run.ended += 1
                run.accounts_restored += len(sanction.restored_accounts)
                run.problems += [
                    f"{sanction.incident.reference}: account {pk} not restored"
                    for pk in set(sanction.suspended_accounts) - set(sanction.restored_accounts)
                ]
                continue
            if sanction.starts_on > day:
                continue
            started = False
            if rules.suspends_accounts(sanction.kind) and not sanction.suspended_accounts:
                _withdraw(sanction, None)
                if sanction.suspended_accounts:
                    started = True
                    run.accounts_suspended += len(sanction.suspended_accounts)
            if rules.regroups(sanction.kind) and sanction.filter_assignment_id is None:
                _regroup(sanction, None)
                started = True
                run.regrouped += 1
            run.started += started
    return run


# --- triage -----------------------------------------------------------------------------------


def _triage_rows(violations: Sequence[Violation]) -> list[Triage]:
    """The triage row of each violation, made (unviewed) where there is none yet."""
    ids = [v.pk for v in violations]
    have = {
        t.violation_id: t for t in Triage.objects.select_for_update().filter(violation_id__in=ids)
    }
    missing = [Triage(school_id=v.school_id, violation=v) for v in violations if v.pk not in have]
    if missing:
        Triage.objects.bulk_create(missing, ignore_conflicts=True)
        have = {
            t.violation_id: t
            for t in Triage.objects.select_for_update().filter(violation_id__in=ids)
        }
    return [have[v.pk] for v in violations]


@transaction.atomic
def violations_received(*, school: School, violation_ids: Sequence[int]) -> dict[str, int]:
    """Open triage for newly found violations; e-mail the DSL(s) about severity 4–5 at once.

    Called for monitoring's ``violations_stored`` signal after each ingested chunk; safe to
    call again for the same ids: nothing is alerted twice. The e-mail says how many and how
    severe, never who or what.
    """
    violations = list(
        Violation.objects.filter(school=school, pk__in=list(violation_ids))
        .select_related("person")
        .order_by("pk")
    )
    rows = _triage_rows(violations)
    urgent = [
        (t, v)
        for t, v in zip(rows, violations, strict=True)
        if v.severity >= rules.ALERT_SEVERITY and t.alerted_at is None
    ]
    sent = 0
    if urgent:
        now = _now()
        Triage.objects.filter(pk__in=[t.pk for t, _v in urgent]).update(
            alerted_at=now, digested_at=now
        )
        # Each alert goes where Appendix B sends it (``rules.alert_route``): a pupil's to the
        # DSL team, an adult's to the headteacher, the head's to the chair of governors, and
        # never to its subject; one e-mail per set of recipients.
        by_recipients: dict[tuple[str, ...], list[Violation]] = {}
        for _t, v in urgent:
            by_recipients.setdefault(tuple(selectors.alert_emails(school, v)), []).append(v)
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
                "violations": [None, [t.violation_id for t, _v in urgent]],
                "sent_to": [None, sent],
            },
        )
    return {"received": len(violations), "alerted": len(urgent), "emails": sent}


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


def _check_batch(violations: Sequence[Violation], actor: User) -> School:
    if not violations:
        raise ServiceError("Choose at least one violation.")
    subjects = {v.person_id for v in violations if v.person_id is not None}
    if subjects and Person.objects.filter(pk__in=subjects, user_id=actor.pk).exists():
        raise ServiceError(
            "One of the chosen violations is about your own use; the headteacher (or the "
            "chair of governors) deals with it (E-safety procedure, Appendix B, point 8)."
        )
    if len(violations) > MAX_BULK:
        raise ServiceError(f"Choose at most {MAX_BULK} violations at a time.")
    schools = {v.school_id for v in violations}
    if len(schools) != 1:
        raise ServiceError("Triage the violations of one school at a time.")
    return violations[0].school


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
    closed = [t for t in rows if t.state not in OPEN_TRIAGE_STATES]
    if closed:
        raise ServiceError(
            f"{len(closed)} of these violations are already decided "
            f"({closed[0].get_state_display().lower()}); leave them out."
        )
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
    rows = _triage_rows(violations)
    closed = [t for t in rows if t.state not in OPEN_TRIAGE_STATES]
    if closed:
        raise ServiceError(
            f"{len(closed)} of these violations are already decided; leave them out."
        )
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
    fresh = list(
        selectors.violations_with_triage(school)
        .filter(**{"triage_state": TriageState.UNVIEWED})
        .exclude(triage__digested_at__isnull=False)
        .filter(created_at__lt=now)
        .order_by("pk")
    )
    overdue = selectors.triage_overdue(school, now=now).count()
    if not fresh and not overdue:
        return 0
    rows = _triage_rows(fresh)
    Triage.objects.filter(pk__in=[t.pk for t in rows]).update(digested_at=now)
    by_severity: dict[int, int] = {}
    for v in fresh:
        by_severity[v.severity] = by_severity.get(v.severity, 0) + 1
    lines = [f"  severity {sev}: {n}" for sev, n in sorted(by_severity.items(), reverse=True)]
    body = (
        f"Monitoring at {school.name}: {len(fresh)} new violation(s) to triage.\n"
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
        changes={"violations": [None, len(fresh)], "overdue": [None, overdue]},
    )
    return len(fresh)


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
