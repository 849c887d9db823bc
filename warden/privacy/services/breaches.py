"""The personal-data breach log: opening (by hand, from a lost device, an incident or a
compromised account), when the school became aware, the ICO's risk questions, the decision,
people informed, actions, closing, and the clock's alerts.

Every change is audited and written to the breach's chronology, so the page reads as the
record the ICO would ask for (UK GDPR Art. 33(5)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import Account
from warden.core.access import has_perm, roles_by_school
from warden.core.audit import audit_log, diff, snapshot
from warden.core.confidential.models import EntryKind
from warden.core.confidential.services import chronology_add, next_number
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import Membership, School, User
from warden.core.roles import PrivacyPerm
from warden.core.tasks import send_email_on_commit
from warden.equipment.breach import possible_breach_acknowledge
from warden.equipment.models import BreachStatus, PossibleBreach
from warden.incidents.models import Incident
from warden.privacy import rules, selectors
from warden.privacy.models import (
    Breach,
    BreachAction,
    BreachNotice,
    BreachSource,
    BreachState,
    Containment,
    DataCategory,
    Harm,
    InformedHow,
    InformedParty,
    Likelihood,
)

RISK_FIELDS = ["data_description", "categories", "people_affected", "likelihood", "harm"]
DECISION_FIELDS = ["decision", "decision_reasons", "ico_reference", "ico_reported_on"]


def _by(actor: User | None) -> str:
    return (actor.get_full_name() or actor.get_username()) if actor else "Warden"


def _locked(breach: Breach) -> Breach:
    return (
        Breach.objects.select_for_update()
        .select_related("school", "school__trust")
        .get(pk=breach.pk)
    )


def _expect_open(breach: Breach) -> None:
    if not breach.is_open:
        raise ServiceError(f"{breach.reference} is closed; nothing more can be changed on it.")


def _require(actor: User | None, school: School) -> None:
    if actor is not None and not has_perm(actor, PrivacyPerm.BREACHES, school):
        raise ServiceError(
            "Only the SIRO, the headteacher or a trust administrator keeps the breach log."
        )


def _create(
    *,
    actor: User | None,
    school: School,
    source: str,
    title: str,
    description: str,
    aware_at: dt.datetime | None = None,
    **links: object,
) -> Breach:
    now = timezone.now()
    breach = Breach.objects.create(
        school=school,
        number=next_number(Breach, school),
        title=title.strip()[:200],
        description=description.strip(),
        source=source,
        opened_at=now,
        opened_by=actor,
        aware_at=aware_at or now,
        **links,
    )
    chronology_add(
        breach,
        actor,
        f"Opened ({breach.get_source_display().lower()}) by {_by(actor)}; the ICO's 72 hours run "
        f"from {timezone.localtime(breach.aware_at):%H:%M on %d/%m/%Y}.",
    )
    audit_log(
        actor=actor,
        action="breach.opened",
        obj=breach,
        changes=diff({}, snapshot(breach, ["number", "source", "title", "aware_at"])),
    )
    return breach


@transaction.atomic
def breach_open(
    *,
    actor: User,
    school: School,
    title: str,
    description: str,
    aware_at: dt.datetime | None = None,
    account: Account | None = None,
) -> Breach:
    """Open a breach by hand; with ``account``, a compromised account (the account is linked
    and named in the chronology). ``aware_at`` defaults to now."""
    _require(actor, school)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Give the breach a short title."]
    if len(description.strip()) < 10:
        errors["description"] = ["Describe what happened: what data, how, when it was found."]
    if aware_at is not None and (refusal := rules.aware_at_refusal(aware_at, now=timezone.now())):
        errors["aware_at"] = [refusal]
    if account is not None and account.school_id != school.pk:
        errors["account"] = ["That account belongs to another school."]
    if errors:
        raise ServiceError(
            "The breach was not opened: " + next(iter(errors.values()))[0], field_errors=errors
        )
    breach = _create(
        actor=actor,
        school=school,
        source=BreachSource.ACCOUNT if account else BreachSource.MANUAL,
        title=title,
        description=description,
        aware_at=aware_at,
        account=account,
    )
    if account is not None:
        chronology_add(
            breach,
            actor,
            f"Compromised account: {account.username} on {account.system} ({account.person}).",
        )
    return breach


@transaction.atomic
def breach_from_possible_breach(*, possible: PossibleBreach) -> Breach:
    """Open a breach for equipment's possible-breach flag (a lost or stolen device that could
    hold personal data, unencrypted), aware from the time of the loss report."""
    report = possible.loss_report
    return _create(
        actor=report.reported_by,
        school=possible.school,
        source=BreachSource.LOST_DEVICE,
        title=f"{report.asset.asset_tag} {report.get_kind_display().lower()}",
        description=f"{possible.reason}\n\n{report.circumstances}",
        aware_at=possible.raised_at,
        possible_breach=possible,
        loss_report=report,
    )


@transaction.atomic
def breach_from_incident(*, incident: Incident, actor: User | None) -> Breach:
    """Open a breach for an e-safety incident of kind "data breach", aware from when it was
    reported. Called once per incident; a second call returns the breach already open."""
    existing = Breach.objects.filter(incident=incident).first()
    if existing is not None:
        return existing
    return _create(
        actor=actor,
        school=incident.school,
        source=BreachSource.INCIDENT,
        title=f"{incident.reference}: {incident.title}",
        description=incident.description,
        aware_at=incident.reported_at,
        incident=incident,
    )


@transaction.atomic
def breach_set_aware(*, actor: User, breach: Breach, aware_at: dt.datetime, reason: str) -> Breach:
    """Move when the school became aware (the start of the ICO clock), with the reason. The
    alerts already sent stay sent."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    errors = rules.aware_change_refusals(aware_at, now=timezone.now(), reason=reason)
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    before = snapshot(breach, ["aware_at", "aware_reason"])
    breach.aware_at = aware_at
    breach.aware_reason = reason.strip()[:300]
    breach.save(update_fields=["aware_at", "aware_reason", "updated_at"])
    chronology_add(
        breach,
        actor,
        f"Became aware changed to {timezone.localtime(aware_at):%H:%M on %d/%m/%Y}: "
        f"{breach.aware_reason}",
    )
    audit_log(
        actor=actor,
        action="breach.aware_changed",
        obj=breach,
        changes=diff(before, snapshot(breach, ["aware_at", "aware_reason"])),
    )
    return breach


@transaction.atomic
def breach_assess(
    *,
    actor: User,
    breach: Breach,
    data_description: str,
    categories: Iterable[str],
    people_affected: int | None,
    likelihood: str,
    harm: str,
    containment: str,
) -> Breach:
    """Answer the ICO's risk questions: what data, which categories (special category too),
    how many people, how likely and how severe the harm, whether it is contained."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    chosen = sorted(set(categories))
    errors: dict[str, list[str]] = {}
    if len(data_description.strip()) < 5:
        errors["data_description"] = ["Say what personal data was involved."]
    if not chosen or not set(chosen) <= set(DataCategory.values):
        errors["categories"] = ["Tick the categories of data involved."]
    if people_affected is None or people_affected < 0:
        errors["people_affected"] = ["Give how many people's data (an estimate will do)."]
    if likelihood not in Likelihood.values:
        errors["likelihood"] = ["Choose how likely harm to the people is."]
    if harm not in Harm.values:
        errors["harm"] = ["Choose how severe the harm could be."]
    if containment not in Containment.values:
        errors["containment"] = ["Say whether the breach is contained."]
    if errors:
        raise ServiceError(
            "The assessment was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    before = snapshot(breach, [*RISK_FIELDS, "containment"])
    breach.data_description = data_description.strip()
    breach.categories = chosen
    breach.people_affected = people_affected
    breach.likelihood = likelihood
    breach.harm = harm
    breach.containment = containment
    breach.assessed_at = timezone.now()
    breach.assessed_by = actor
    breach.save()
    special = " including special category data" if breach.special_category else ""
    chronology_add(
        breach,
        actor,
        f"Risk assessed: {people_affected} people's data{special}; harm "
        f"{breach.get_likelihood_display().lower()} and {breach.get_harm_display().lower()}; "
        f"{breach.get_containment_display().lower()}.",
    )
    audit_log(
        actor=actor,
        action="breach.assessed",
        obj=breach,
        changes=diff(before, snapshot(breach, [*RISK_FIELDS, "containment"])),
    )
    return breach


@transaction.atomic
def breach_decide(
    *,
    actor: User,
    breach: Breach,
    decision: str,
    reasons: str,
    ico_reference: str = "",
    ico_reported_on: dt.date | None = None,
) -> Breach:
    """Decide whether to report the breach to the ICO, with the reasons; a report gives the
    ICO's reference and the date. Needs the risk assessment first."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    if not breach.is_assessed:
        raise ServiceError("Answer the risk questions first: the decision rests on them.")
    errors = rules.decision_refusal(decision, reasons, ico_reference)
    if decision == "report" and ico_reported_on is None:
        errors.setdefault("ico_reported_on", ["Give the date it was reported to the ICO."])
    if errors:
        raise ServiceError(
            "The decision was not saved: " + next(iter(errors.values()))[0], field_errors=errors
        )
    before = snapshot(breach, DECISION_FIELDS)
    breach.decision = decision
    breach.decision_reasons = reasons.strip()
    breach.ico_reference = ico_reference.strip() if decision == "report" else ""
    breach.ico_reported_on = ico_reported_on if decision == "report" else None
    breach.decided_at = timezone.now()
    breach.decided_by = actor
    breach.save()
    clock = selectors.breach_clock(breach)
    within = (
        "within the 72 hours"
        if breach.decided_at <= clock.deadline
        else "after the 72 hours had passed"
    )
    chronology_add(
        breach,
        actor,
        f"Decision ({within}): {breach.get_decision_display().lower()}"
        + (f", ICO reference {breach.ico_reference}" if breach.ico_reference else "")
        + f". {breach.decision_reasons}",
        EntryKind.ACTION,
    )
    audit_log(
        actor=actor,
        action="breach.decided",
        obj=breach,
        changes=diff(before, snapshot(breach, DECISION_FIELDS)),
    )
    _acknowledge_flag(actor, breach)
    return breach


def _acknowledge_flag(actor: User, breach: Breach) -> None:
    """The decision answers equipment's possible-breach flag too, so it leaves the
    equipment pages' "waiting for the SIRO" list."""
    possible = breach.possible_breach
    if possible is None or possible.status != BreachStatus.OPEN:
        return
    possible_breach_acknowledge(
        actor=actor,
        roles=roles_by_school(actor).get(breach.school_id, set()),
        breach=possible,
        note=f"Assessed as data breach {breach.reference}: {breach.get_decision_display()}.",
    )


@transaction.atomic
def breach_inform(
    *,
    actor: User,
    breach: Breach,
    party: str,
    detail: str,
    informed_on: dt.date,
    how: str,
) -> BreachNotice:
    """Record who was told about the breach, when and how (the data subjects, Art. 34)."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    errors: dict[str, list[str]] = {}
    if party not in InformedParty.values:
        errors["party"] = ["Choose who was informed."]
    if len(detail.strip()) < 3:
        errors["detail"] = ["Say whom exactly (e.g. the 28 families of 6B)."]
    if how not in InformedHow.values:
        errors["how"] = ["Choose how they were told."]
    if informed_on > timezone.localdate():
        errors["informed_on"] = ["That date is in the future; record it once they are told."]
    if errors:
        raise ServiceError("Not recorded: " + next(iter(errors.values()))[0], field_errors=errors)
    notice = BreachNotice.objects.create(
        school=breach.school,
        breach=breach,
        party=party,
        detail=detail.strip()[:200],
        informed_on=informed_on,
        how=how,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    chronology_add(
        breach,
        actor,
        f"{notice.get_party_display()} informed ({notice.detail}) by "
        f"{notice.get_how_display().lower()} on {informed_on:%d/%m/%Y}.",
        EntryKind.ACTION,
    )
    audit_log(
        actor=actor,
        action="breach.informed",
        obj=breach,
        changes=diff({}, snapshot(notice, ["party", "detail", "informed_on", "how"])),
    )
    return notice


def action_owner_refusal(owner: User, school: School) -> str | None:
    member = (
        Membership.objects.filter(user=owner, user__is_active=True).filter(school=school).exists()
        or Membership.objects.filter(
            user=owner, user__is_active=True, trust_id=school.trust_id, school__isnull=True
        ).exists()
    )
    return None if member else "Choose an owner who works at this school in Warden."


@transaction.atomic
def breach_action_add(
    *, actor: User, breach: Breach, text: str, owner: User, due_on: dt.date | None = None
) -> BreachAction:
    """Add an action to take about the breach, with its owner and an optional date."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    if len(text.strip()) < 3:
        raise ServiceError(
            "Say what is to be done.", field_errors={"text": ["Describe the action."]}
        )
    refusal = action_owner_refusal(owner, breach.school)
    if refusal:
        raise ServiceError(refusal, field_errors={"owner": [refusal]})
    action = BreachAction.objects.create(
        school=breach.school,
        breach=breach,
        text=text.strip()[:300],
        owner=owner,
        due_on=due_on,
        added_at=timezone.now(),
        added_by=actor,
    )
    chronology_add(breach, actor, f"Action for {_by(owner)}: {action.text}.")
    audit_log(
        actor=actor,
        action="breach.action_added",
        obj=breach,
        changes=diff({}, snapshot(action, ["text", "owner", "due_on"])),
    )
    return action


@transaction.atomic
def breach_action_done(*, actor: User, action: BreachAction) -> BreachAction:
    breach = _locked(action.breach)
    _require(actor, breach.school)
    _expect_open(breach)
    action = BreachAction.objects.select_for_update().get(pk=action.pk)
    if action.done_at is not None:
        raise ServiceError("That action is already done.")
    action.done_at = timezone.now()
    action.done_by = actor
    action.save(update_fields=["done_at", "done_by"])
    chronology_add(breach, actor, f"Done: {action.text}.", EntryKind.ACTION)
    audit_log(
        actor=actor,
        action="breach.action_done",
        obj=breach,
        changes={"action": [None, action.text], "done_at": [None, action.done_at.isoformat()]},
    )
    return action


@transaction.atomic
def breach_note_add(*, actor: User, breach: Breach, text: str) -> None:
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    if len(text.strip()) < 3:
        raise ServiceError("Write the note first.", field_errors={"text": ["Write the note."]})
    entry = chronology_add(breach, actor, text.strip(), EntryKind.NOTE)
    audit_log(actor=actor, action="breach.noted", obj=breach, changes={"entry": [None, entry.pk]})


@transaction.atomic
def breach_close(*, actor: User, breach: Breach, lessons: str) -> Breach:
    """Close the breach with the lessons learned; refused until the ICO decision is made
    and every action is done (``rules.close_refusal``)."""
    breach = _locked(breach)
    _require(actor, breach.school)
    _expect_open(breach)
    refusal = rules.close_refusal(
        decided=bool(breach.decision),
        lessons=lessons,
        open_actions=breach.actions.filter(done_at__isnull=True).count(),
    )
    if refusal:
        field = "lessons" if "lessons" in refusal else "__all__"
        raise ServiceError(refusal, field_errors={field: [refusal]})
    breach.state = BreachState.CLOSED
    breach.outcome_notes = lessons.strip()
    breach.closed_at = timezone.now()
    breach.closed_by = actor
    breach.save()
    chronology_add(
        breach, actor, f"Closed by {_by(actor)}. Lessons learned: {breach.outcome_notes}"
    )
    audit_log(
        actor=actor,
        action="breach.closed",
        obj=breach,
        changes={"state": ["open", "closed"], "outcome_notes": [None, breach.outcome_notes]},
    )
    return breach


def breach_read(*, actor: User, breach: Breach) -> None:
    """Reading a breach is logged, as reading an incident is (it names people)."""
    audit_log(actor=actor, action="breach.viewed", obj=breach)


# --- the clock's alerts ----------------------------------------------------------------------


def _alert_body(breach: Breach, clock: rules.Clock, headline: str) -> str:
    link = absolute_url(reverse("privacy:breach_detail", args=[breach.pk]))
    dpo = selectors.dpo_for(breach.school)
    return (
        f"{headline}\n\n{breach.reference} at {breach.school.name} "
        f"({breach.get_source_display()}): "
        f"the school became aware at {timezone.localtime(breach.aware_at):%H:%M on %d/%m/%Y}; "
        f"a reportable breach must be reported to the ICO by "
        f"{timezone.localtime(clock.deadline):%H:%M on %d/%m/%Y}.\n\n"
        f"Data protection officer: {dpo or 'none named yet'}.\n\n"
        f"The details are confidential; sign in to Warden to assess it and decide:\n{link}\n"
    )


ALERT_STAMPS = ("alerted_24_at", "alerted_48_at", "alerted_overdue_at")
OVERDUE = "alerted_overdue_at"


def _alert_due(clock: rules.Clock) -> str | None:
    """Which alert the clock has reached: the latest of 24 h, 48 h and overdue."""
    if clock.overdue:
        return OVERDUE
    reached = [
        f for h, f in zip(rules.ALERT_HOURS, ALERT_STAMPS, strict=False) if clock.hours_run >= h
    ]
    return reached[-1] if reached else None


@transaction.atomic
def breach_alerts_send(*, school: School, now: dt.datetime | None = None) -> int:
    """E-mail the SIROs and the DPO about each undecided breach whose clock has run 24 or
    48 hours, or passed 72, once each (the time sent is stored on the breach, so a later
    run never repeats it). Returns how many alerts went."""
    now = now or timezone.now()
    sent = 0
    recipients = selectors.alert_recipients(school)
    for breach in selectors.undecided_breaches(school).select_for_update():
        clock = selectors.breach_clock(breach, now)
        field = _alert_due(clock)
        if field is None or getattr(breach, field) is not None:
            continue
        headline = (
            "The ICO's 72 hours have passed without a decision."
            if field == OVERDUE
            else f"{int(clock.hours_run)} hours of the ICO's 72 have run: {clock.words}."
        )
        # An earlier alert the job did not get to in time counts as sent with this one.
        for stamp in ALERT_STAMPS[: ALERT_STAMPS.index(field) + 1]:
            if getattr(breach, stamp) is None:
                setattr(breach, stamp, now)
        breach.save(update_fields=["alerted_24_at", "alerted_48_at", "alerted_overdue_at"])
        if recipients:
            send_email_on_commit(
                subject=f"[Warden] {school.name}: data breach {breach.reference}: {clock.words}",
                body=_alert_body(breach, clock, headline),
                to=recipients,
            )
            sent += 1
        chronology_add(breach, None, f"Alert sent to the SIRO and the DPO: {headline}")
        audit_log(
            actor=None,
            action="breach.alerted",
            obj=breach,
            changes={field: [None, now.isoformat()], "to": [None, ", ".join(recipients)]},
        )
    return sent
