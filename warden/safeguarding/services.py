"""Every write to a welfare concern goes through these services.

Each runs in a transaction, checks the actor's right, writes the audit trail and a line of
the concern's chronology, and raises ``ServiceError`` with a message a person can act on.
Nothing here disciplines the child, records a sanction or changes an account: a welfare
concern is safeguarding, not discipline (Keeping Children Safe in Education). Every read
and export of a concern is audited too (``concern_read``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from warden.core.access import has_perm
from warden.core.audit import audit_log, diff, snapshot
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
from warden.core.tasks import send_email_on_commit
from warden.incidents.models import Incident
from warden.incidents.playbooks import local_step
from warden.incidents.selectors import emails_for_roles
from warden.incidents.services.triage import triage_route_welfare
from warden.monitoring.models import Violation
from warden.people.models import Person
from warden.safeguarding import playbooks, rules
from warden.safeguarding.models import (
    Agency,
    ConcernAccess,
    ConcernCategory,
    ConcernEntry,
    ConcernOutcome,
    ConcernStatus,
    ConcernStep,
    ParentsInformed,
    Referral,
    SafeguardingSettings,
    WelfareConcern,
)

MAX_VIOLATIONS = 200


def _now() -> dt.datetime:
    return timezone.now()


def _today(school: School) -> dt.date:
    return timezone.localtime(_now(), ZoneInfo(school.timezone)).date()


def _locked(concern: WelfareConcern) -> WelfareConcern:
    return (
        WelfareConcern.objects.select_for_update()
        .select_related("school", "school__trust", "person")
        .get(pk=concern.pk)
    )


def _expect_open(concern: WelfareConcern, what: str) -> None:
    if concern.status == ConcernStatus.CLOSED:
        raise ServiceError(f"{concern.reference} is closed; you cannot {what}.")


def _require_manage(actor: User, school: School | int) -> None:
    if not has_perm(actor, rules.CONCERN_RECORDS.manage_perm, school):
        raise ServiceError(rules.CONCERN_RECORDS.manage_refusal)


def _apply_playbook(concern: WelfareConcern, key: str, actor: User | None) -> int:
    book = playbooks.PLAYBOOKS[key]
    return steps_apply(
        concern,
        key=key,
        title=book.title,
        source=book.source,
        steps=[local_step(concern.school, s) for s in book.steps],
        actor=actor,
    )


# --- raising a concern ---------------------------------------------------------------------


@transaction.atomic
def concern_raise(
    *,
    actor: User,
    school: School,
    person: Person,
    category: str,
    summary: str,
    seen_at: dt.datetime | None = None,
    search_terms: str = "",
    violations: Sequence[Violation] = (),
) -> WelfareConcern:
    """Record a worry about a child for the DSL, with its safeguarding playbook.

    ``violations`` are the monitoring alerts it came from (their triage is taken out of the
    queue as a welfare concern by ``concern_from_violations``).
    """
    _require_manage(actor, school)
    return _concern_create(
        actor=actor,
        school=school,
        person=person,
        category=category,
        summary=summary,
        seen_at=seen_at,
        search_terms=search_terms,
        violations=violations,
        action="welfare_concern.raised",
    )


@transaction.atomic
def concern_report(
    *,
    actor: User,
    school: School,
    person: Person,
    category: str,
    summary: str,
    seen_at: dt.datetime | None = None,
) -> WelfareConcern:
    """A member of staff tells the DSL of a worry about a child (``rules.may_report``).

    The concern is recorded as the DSL would record it, with its playbook, and the DSL and
    deputies are e-mailed at once, without the child's name. The reporter cannot read it
    afterwards unless the DSL adds them to its access list.
    """
    if not rules.may_report(actor, school):
        raise ServiceError(rules.REPORT_REFUSAL)
    concern = _concern_create(
        actor=actor,
        school=school,
        person=person,
        category=category,
        summary=summary,
        seen_at=seen_at,
        action="welfare_concern.reported",
    )
    link = absolute_url(reverse("safeguarding:detail", args=[concern.pk]))
    to = emails_for_roles(school, rules.REPORT_NOTIFY_ROLES)
    if to:
        send_email_on_commit(
            subject=f"[Warden] {school.name}: a worry about a child ({concern.reference})",
            body=(
                f"A member of staff at {school.name} has told you of a worry about a child: "
                f"{concern.reference}, {concern.get_category_display().lower()}.\n\n"
                f"The details are confidential; sign in to Warden to read them:\n{link}\n"
            ),
            to=to,
        )
    return concern


def _concern_create(
    *,
    actor: User,
    school: School,
    person: Person,
    category: str,
    summary: str,
    seen_at: dt.datetime | None,
    action: Literal["welfare_concern.raised", "welfare_concern.reported"],
    search_terms: str = "",
    violations: Sequence[Violation] = (),
) -> WelfareConcern:
    errors: dict[str, list[str]] = {}
    if category not in ConcernCategory.values:
        errors["category"] = ["Choose what the concern is about."]
    if not summary.strip():
        errors["summary"] = ["Write what was seen or heard, in plain words."]
    seen_at = seen_at or _now()
    if seen_at > _now() + dt.timedelta(minutes=5):
        errors["seen_at"] = ["That time is in the future; give when it was seen."]
    if errors:
        raise ServiceError(
            "The concern was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    if person.school_id != school.pk:
        raise ServiceError(f"{person} is not on {school.name}'s register.")
    concern = WelfareConcern.objects.create(
        school=school,
        number=next_number(WelfareConcern, school),
        person=person,
        category=category,
        summary=summary.strip(),
        search_terms=search_terms.strip(),
        seen_at=seen_at,
        raised_at=_now(),
        raised_by=actor,
    )
    if violations:
        concern.violations.add(*violations)
    chronology_add(
        concern,
        actor,
        f"Welfare concern raised: {concern.get_category_display().lower()}. {summary.strip()}",
    )
    _apply_playbook(concern, playbooks.playbook_for(category), actor)
    audit_log(
        actor=actor,
        action=action,
        obj=concern,
        changes=diff({}, snapshot(concern, ["number", "category", "seen_at"]))
        | {"violations": [None, [v.pk for v in violations]]},
    )
    return concern


def _alert_words(v: Violation) -> str:
    when = timezone.localtime(v.ts, ZoneInfo(v.school.timezone)).strftime("%d/%m/%Y %H:%M")
    if v.search_term:
        what = f"searched for “{v.search_term}”"
        if v.search_engine:
            what += f" ({v.search_engine})"
    elif v.phrase:
        what = f"typed or viewed “{v.matched_text or v.phrase}”"
    else:
        what = "visited a blocked site"
    site = f" on {v.host}" if v.host else ""
    return f"{when}: {what}{site} (monitoring category {v.category}, severity {v.severity})."


@transaction.atomic
def concern_from_violations(
    *, actor: User, violations: Sequence[Violation], category: str = ""
) -> WelfareConcern:
    """Raise a welfare concern from monitoring alerts in the triage queue.

    The route out of triage for self-harm, suicide, abuse, grooming, radicalisation and
    bullying of the pupil: the violations leave the queue as "raised as a welfare concern"
    and no incident, sanction or account change follows. A concern is about one child, so
    the violations must name the same pupil.
    """
    if not violations:
        raise ServiceError("Choose at least one violation.")
    if len(violations) > MAX_VIOLATIONS:
        raise ServiceError(f"Choose at most {MAX_VIOLATIONS} violations at a time.")
    school = violations[0].school
    _require_manage(actor, school)
    people = {v.person_id for v in violations}
    if None in people:
        raise ServiceError(
            "Warden could not tell who one of these alerts was about. Find the pupil from the "
            "device and time, then raise the concern from their page of concerns."
        )
    if len(people) > 1:
        raise ServiceError(
            "A welfare concern is about one child: choose the alerts of one pupil at a time."
        )
    ordered = sorted(violations, key=lambda v: (v.ts, v.pk))
    person = ordered[0].person
    assert person is not None
    terms = [v.search_term for v in ordered if v.search_term]
    concern = concern_raise(
        actor=actor,
        school=school,
        person=person,
        category=category or rules.concern_category_for(ordered[0].category),
        summary="Monitoring alert"
        + ("s" if len(ordered) > 1 else "")
        + ":\n"
        + "\n".join(_alert_words(v) for v in ordered),
        seen_at=ordered[0].ts,
        search_terms="\n".join(dict.fromkeys(terms)),
        violations=ordered,
    )
    triage_route_welfare(actor=actor, violations=ordered, reason=concern.reference)
    return concern


def concern_read(*, actor: User, concern: WelfareConcern, what: str = "viewed") -> None:
    """Audit a look at a concern (the page, the PDF, the CSV)."""
    audit_log(actor=actor, action=f"welfare_concern.{what}", obj=concern)


def concerns_listed(*, actor: User, school: School, status: str) -> None:
    """Audit a look at the list of concerns, which names the children."""
    audit_log(
        actor=actor,
        action="welfare_concerns.listed",
        school=school,
        changes={"status": [None, status]},
    )


# --- the DSL's record ----------------------------------------------------------------------


@transaction.atomic
def concern_assess(
    *,
    actor: User,
    concern: WelfareConcern,
    category: str,
    assessment: str,
    review_on: dt.date | None,
) -> WelfareConcern:
    """Record the DSL's assessment, what the concern is about and when to review it.

    A changed category adds its playbook (steps already applied stay, ticked or not).
    """
    concern = _locked(concern)
    _require_manage(actor, concern.school)
    _expect_open(concern, "change the assessment")
    if category not in ConcernCategory.values:
        raise ServiceError(
            "Choose what the concern is about.", field_errors={"category": ["Required."]}
        )
    if not assessment.strip():
        raise ServiceError(
            "Write your assessment: what you think is happening and the risk to the child.",
            field_errors={"assessment": ["Required."]},
        )
    if review_on is not None and review_on < _today(concern.school):
        raise ServiceError(
            "The review date has passed; choose today or a later day.",
            field_errors={"review_on": ["Choose today or later."]},
        )
    fields = ["category", "assessment", "review_on"]
    before = snapshot(concern, fields)
    concern.category, concern.assessment, concern.review_on = (
        category,
        assessment.strip(),
        review_on,
    )
    concern.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, snapshot(concern, fields))
    if changes:
        line = f"Assessment: {concern.assessment}"
        if "review_on" in changes and review_on is not None:
            line += f" Review on {review_on:%d/%m/%Y}."
        chronology_add(concern, actor, line, EntryKind.ACTION)
        audit_log(actor=actor, action="welfare_concern.assessed", obj=concern, changes=changes)
        _apply_playbook(concern, playbooks.playbook_for(category), actor)
    return concern


@transaction.atomic
def concern_record_actions(
    *,
    actor: User,
    concern: WelfareConcern,
    spoke_to_pupil_on: dt.date | None,
    spoke_to_pupil_note: str,
    parents: str,
    parents_on: dt.date | None,
    parents_not_informed_reason: str,
) -> WelfareConcern:
    """Record speaking to the pupil and the decision about the parents or carers.

    Parents are informed unless that would put the child at risk; then the reason is
    required (``rules.parents_refusal``).
    """
    concern = _locked(concern)
    _require_manage(actor, concern.school)
    _expect_open(concern, "change what was done")
    today = _today(concern.school)
    errors: dict[str, list[str]] = {}
    refusal = rules.parents_refusal(parents, parents_not_informed_reason)
    if refusal:
        errors["parents_not_informed_reason" if parents else "parents"] = [refusal]
    for name, day in (("spoke_to_pupil_on", spoke_to_pupil_on), ("parents_on", parents_on)):
        if day is not None and day > today:
            errors[name] = ["That day is in the future."]
    if parents == ParentsInformed.INFORMED and parents_on is None:
        errors["parents_on"] = ["Give the day the parents or carers were informed."]
    if spoke_to_pupil_note.strip() and spoke_to_pupil_on is None:
        errors["spoke_to_pupil_on"] = ["Give the day you spoke to the pupil."]
    if errors:
        raise ServiceError(
            "Nothing was saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    fields = [
        "spoke_to_pupil_on",
        "spoke_to_pupil_note",
        "parents",
        "parents_on",
        "parents_not_informed_reason",
    ]
    before = snapshot(concern, fields)
    concern.spoke_to_pupil_on = spoke_to_pupil_on
    concern.spoke_to_pupil_note = spoke_to_pupil_note.strip()
    concern.parents = parents
    concern.parents_on = parents_on if parents == ParentsInformed.INFORMED else None
    concern.parents_not_informed_reason = (
        parents_not_informed_reason.strip() if parents == ParentsInformed.NOT_INFORMED else ""
    )
    concern.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, snapshot(concern, fields))
    if not changes:
        return concern
    spoke = {"spoke_to_pupil_on", "spoke_to_pupil_note"} & set(changes)
    if spoke and concern.spoke_to_pupil_on:
        line = f"Spoke to the pupil on {concern.spoke_to_pupil_on:%d/%m/%Y}."
        if concern.spoke_to_pupil_note:
            line += f" {concern.spoke_to_pupil_note}"
        chronology_add(concern, actor, line, EntryKind.ACTION)
    if {"parents", "parents_on", "parents_not_informed_reason"} & set(changes):
        if concern.parents == ParentsInformed.INFORMED and concern.parents_on:
            chronology_add(
                concern,
                actor,
                f"Parents or carers informed on {concern.parents_on:%d/%m/%Y}.",
                EntryKind.ACTION,
            )
        elif concern.parents == ParentsInformed.NOT_INFORMED:
            chronology_add(
                concern,
                actor,
                "Parents or carers not informed, because it would put the child at risk: "
                f"{concern.parents_not_informed_reason}",
                EntryKind.ACTION,
            )
    audit_log(actor=actor, action="welfare_concern.actions_recorded", obj=concern, changes=changes)
    return concern


@transaction.atomic
def referral_add(
    *,
    actor: User,
    concern: WelfareConcern,
    agency: str,
    made_on: dt.date,
    reference: str = "",
    note: str = "",
) -> Referral:
    """Record a referral to children's social care, Prevent, CEOP, the police, early help or
    the school counsellor, with its date and the agency's reference."""
    concern = _locked(concern)
    _require_manage(actor, concern.school)
    _expect_open(concern, "record a referral")
    errors: dict[str, list[str]] = {}
    if agency not in Agency.values:
        errors["agency"] = ["Choose where the concern was referred."]
    if made_on > _today(concern.school):
        errors["made_on"] = ["That day is in the future; give the day the referral was made."]
    if errors:
        raise ServiceError(
            "The referral was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    referral = Referral.objects.create(
        school_id=concern.school_id,
        concern=concern,
        agency=agency,
        made_on=made_on,
        reference=reference.strip()[:100],
        note=note.strip()[:500],
        recorded_at=_now(),
        recorded_by=actor,
    )
    line = f"Referred to {referral.get_agency_display()} on {made_on:%d/%m/%Y}"
    line += f" (their reference {referral.reference})." if referral.reference else "."
    if referral.note:
        line += f" {referral.note}"
    chronology_add(concern, actor, line, EntryKind.ACTION)
    audit_log(
        actor=actor,
        action="welfare_concern.referred",
        obj=concern,
        changes={
            "agency": [None, agency],
            "made_on": [None, made_on.isoformat()],
            "reference": [None, referral.reference],
        },
    )
    return referral


@transaction.atomic
def note_add(*, actor: User, concern: WelfareConcern, text: str) -> ConcernEntry:
    """Add a dated line to the chronology (anyone who may read the concern)."""
    concern = _locked(concern)
    if not text.strip():
        raise ServiceError("Write the note.", field_errors={"text": ["Required."]})
    entry = chronology_add(concern, actor, text.strip(), EntryKind.NOTE)
    assert isinstance(entry, ConcernEntry)
    audit_log(actor=actor, action="welfare_concern.note_added", obj=concern)
    return entry


@transaction.atomic
def step_complete(*, actor: User, step: ConcernStep, note: str = "") -> ConcernStep:
    """Tick a playbook step, with who and when (and whom they told, in the note)."""
    step = ConcernStep.objects.select_for_update().select_related("concern").get(pk=step.pk)
    _require_manage(actor, step.school_id)
    _expect_open(step.concern, "tick its steps")
    step_tick(actor=actor, step=step, record=step.concern, note=note, kind=rules.CONCERN_RECORDS)
    return step


@transaction.atomic
def concern_link_incident(
    *, actor: User, concern: WelfareConcern, incident: Incident | None
) -> WelfareConcern:
    """Link the concern to a breach in the incident log when misuse happened as well (or
    remove the link with ``incident=None``). The breach keeps its own confidentiality."""
    concern = _locked(concern)
    _require_manage(actor, concern.school)
    if incident is not None and incident.school_id != concern.school_id:
        raise ServiceError("Choose an incident of the same school.")
    before = snapshot(concern, ["incident"])
    concern.incident = incident
    concern.save(update_fields=["incident", "updated_at"])
    changes = diff(before, snapshot(concern, ["incident"]))
    if changes:
        chronology_add(
            concern,
            actor,
            f"Linked to the breach {incident.reference}."
            if incident
            else "Link to the breach removed.",
        )
        audit_log(actor=actor, action="welfare_concern.linked", obj=concern, changes=changes)
    return concern


@transaction.atomic
def access_grant(*, actor: User, concern: WelfareConcern, user: User, reason: str) -> ConcernAccess:
    """Let one more Warden user read this concern, on a need-to-know basis, saying why."""
    entry = confidential.access_grant(
        actor=actor, record=concern, user=user, reason=reason, kind=rules.CONCERN_RECORDS
    )
    assert isinstance(entry, ConcernAccess)
    return entry


@transaction.atomic
def access_revoke(*, actor: User, entry: ConcernAccess) -> None:
    confidential.access_revoke(
        actor=actor, entry=entry, record=entry.concern, kind=rules.CONCERN_RECORDS
    )


@transaction.atomic
def concern_close(
    *, actor: User, concern: WelfareConcern, outcome: str, notes: str
) -> WelfareConcern:
    """Close the concern with its outcome once the record is complete: the assessment, the
    decision about the parents, every mandatory step, and a referral when the outcome says
    another agency leads."""
    concern = _locked(concern)
    _require_manage(actor, concern.school)
    _expect_open(concern, "close it again")
    errors: dict[str, list[str]] = {}
    if outcome not in ConcernOutcome.values:
        errors["outcome"] = ["Choose the outcome."]
    if not notes.strip():
        errors["notes"] = ["Summarise the outcome for whoever reads the record next."]
    if errors:
        raise ServiceError(
            "The concern was not closed: " + next(iter(errors.values()))[0], field_errors=errors
        )
    missing = []
    if not concern.assessment:
        missing.append("your assessment")
    if not concern.parents:
        missing.append("whether the parents or carers were informed")
    if outcome == ConcernOutcome.REFERRED and not concern.referrals.exists():
        missing.append("the referral (agency, date and reference)")
    open_steps = [s.text for s in concern.steps.filter(mandatory=True, done_at__isnull=True)]
    if open_steps:
        missing.append("the open steps: " + "; ".join(f"“{t}”" for t in open_steps))
    if missing:
        raise ServiceError(
            f"{concern.reference} cannot be closed yet. Record " + ", ".join(missing) + "."
        )
    fields = ["status", "outcome", "outcome_notes"]
    before = snapshot(concern, fields)
    concern.status, concern.outcome, concern.outcome_notes = (
        ConcernStatus.CLOSED,
        outcome,
        notes.strip(),
    )
    concern.closed_at, concern.closed_by = _now(), actor
    concern.save(update_fields=[*fields, "closed_at", "closed_by", "updated_at"])
    chronology_add(
        concern,
        actor,
        f"Closed: {concern.get_outcome_display()}. {concern.outcome_notes}",
        EntryKind.ACTION,
    )
    audit_log(
        actor=actor,
        action="welfare_concern.closed",
        obj=concern,
        changes=diff(before, snapshot(concern, fields)),
    )
    return concern


# --- the school's words and contacts -------------------------------------------------------

SETTINGS_FIELDS = [
    "block_help_text",
    "show_dsl_on_block_page",
    "dsl_name_for_pupils",
    "is_academy",
    "online_safety_lead",
    "la_esafety_officer",
]


@transaction.atomic
def settings_save(
    *,
    actor: User,
    school: School,
    block_help_text: str,
    show_dsl_on_block_page: bool,
    dsl_name_for_pupils: str,
    is_academy: bool,
    online_safety_lead: str,
    la_esafety_officer: str,
) -> SafeguardingSettings:
    """Save the block page's help words and the contacts the playbooks name."""
    _require_manage(actor, school)
    errors: dict[str, list[str]] = {}
    if show_dsl_on_block_page and not dsl_name_for_pupils.strip():
        errors["dsl_name_for_pupils"] = [
            "Write how pupils know the safeguarding lead, or untick naming them."
        ]
    if is_academy and not online_safety_lead.strip():
        errors["online_safety_lead"] = [
            "An academy names the trust's online-safety lead instead of the LA e-safety officer."
        ]
    if errors:
        raise ServiceError(
            "The settings were not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    current, _ = SafeguardingSettings.objects.select_for_update().get_or_create(school=school)
    before = snapshot(current, SETTINGS_FIELDS)
    current.block_help_text = block_help_text.strip()
    current.show_dsl_on_block_page = show_dsl_on_block_page
    current.dsl_name_for_pupils = dsl_name_for_pupils.strip()
    current.is_academy = is_academy
    current.online_safety_lead = online_safety_lead.strip()
    current.la_esafety_officer = la_esafety_officer.strip()
    current.updated_by = actor
    current.save()
    changes = diff(before, snapshot(current, SETTINGS_FIELDS))
    if changes:
        audit_log(actor=actor, action="safeguarding_settings.changed", obj=current, changes=changes)
    return current
