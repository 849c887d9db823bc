"""Loans: the loan agreement a borrower accepts, check-out and check-in, staff-loan
permissions, one-time acceptance links, write-offs and overdue reminders."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from warden.agreements.models import AgreementVersion, Audience, VersionStatus
from warden.agreements.rules import access_refusal
from warden.agreements.services import signature_record
from warden.core.access import require_perm, roles_by_school
from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.registry import collect
from warden.core.roles import Perm
from warden.core.tasks import send_email_on_commit
from warden.equipment import rules
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    AcceptanceMethod,
    AgreementText,
    Asset,
    AssetState,
    ClassSetLoan,
    EquipmentSettings,
    Loan,
    LoanKind,
    LoanState,
    OffSiteException,
    ReturnCondition,
    text_sha256,
)
from warden.equipment.services._shared import (
    _check_borrower,
    _close,
    _locked_asset,
    _set_asset_state,
    _words,
)
from warden.people.models import Guardianship, Person, PersonType

LINK_SALT = "warden.equipment.loan-acceptance"


# --- the loan agreement ----------------------------------------------------------------------


def current_agreement(school: School) -> tuple[AgreementText, AgreementVersion | None]:
    """The loan agreement a borrower accepts now, and the agreements area's version of it.

    That is the school's published "Device loan" agreement when there is one, else the
    built-in text (and no version). The exact words are stored once by their SHA-256 so
    any acceptance can show them, whichever school's version they came from.
    """
    version = (
        AgreementVersion.objects.filter(
            school=school,
            agreement__audience=Audience.DEVICE_LOAN,
            status=VersionStatus.PUBLISHED,
            published_at__lte=timezone.now(),
        )
        .select_related("agreement")
        .order_by("-number")
        .first()
    )
    if version is None:
        title, label, text = rules.BUILT_IN_TITLE, rules.BUILT_IN_LABEL, rules.BUILT_IN_TEXT
    else:
        title, label, text = version.agreement.title, version.label, version.text
    digest = text_sha256(text)
    found = AgreementText.objects.filter(sha256=digest).first()
    if found is None:
        try:
            with transaction.atomic():
                found = AgreementText.objects.create(
                    sha256=digest, title=title, label=label, text=text
                )
        except IntegrityError:
            found = AgreementText.objects.get(sha256=digest)
    return found, version


def current_agreement_text(school: School) -> AgreementText:
    return current_agreement(school)[0]


@dataclass(frozen=True)
class Acceptance:
    """A borrower's acceptance of the loan agreement, as typed at the desk or via a link."""

    typed_name: str
    confirmed: bool
    method: str = AcceptanceMethod.DESK
    ip: str | None = None
    user_agent: str = ""


def _check_acceptance(acceptance: Acceptance) -> str:
    typed = _words(acceptance.typed_name)
    errors: dict[str, list[str]] = {}
    if len(typed) < 2:
        errors["typed_name"] = ["The borrower types their full name as their signature."]
    if not acceptance.confirmed:
        errors["confirmed"] = ["Tick the box to confirm the borrower has read and agrees."]
    if acceptance.method not in AcceptanceMethod.values:
        errors["method"] = ["Choose how the agreement was accepted."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    return typed


def _accept(actor: User | None, loan: Loan, acceptance: Acceptance) -> None:
    typed = _check_acceptance(acceptance)
    text, version = current_agreement(loan.school)
    if version is not None:
        loan.signature = _record_signature(actor, loan, acceptance, version)
    loan.agreement_text = text
    loan.agreement_sha256 = text.sha256
    loan.accepted_at = timezone.now()
    loan.accepted_name = typed
    loan.accepted_method = acceptance.method
    loan.accepted_ip = acceptance.ip or None
    loan.accepted_user_agent = (acceptance.user_agent or "")[:400]
    loan.link_token_hash = ""
    loan.state = LoanState.ISSUED


def _record_signature(
    actor: User | None, loan: Loan, acceptance: Acceptance, version: AgreementVersion
) -> Any:
    """Record the acceptance through the agreements area's signing service too."""
    return signature_record(
        actor=actor,
        person=loan.person,
        version=version,
        typed_name=acceptance.typed_name,
        confirmed=acceptance.confirmed,
        method=acceptance.method,
        ip=acceptance.ip,
        user_agent=acceptance.user_agent,
    )


def _issued_state(loan: Loan) -> str:
    return AssetState.ASSIGNED if loan.kind == LoanKind.ASSIGNMENT else AssetState.ON_LOAN


ACCEPTANCE_FIELDS = [
    "state",
    "agreement_sha256",
    "accepted_at",
    "accepted_name",
    "accepted_method",
    "accepted_ip",
]


# --- loans -----------------------------------------------------------------------------------


def equipment_settings(school: School) -> EquipmentSettings:
    """The school's equipment settings (the defaults until someone changes them)."""
    found = EquipmentSettings.objects.filter(school=school).first()
    return found if found is not None else EquipmentSettings(school=school)


@transaction.atomic
def equipment_settings_update(
    *, actor: User | None, school: School, staff_loans_need_permission: bool
) -> EquipmentSettings:
    settings, _ = EquipmentSettings.objects.select_for_update().get_or_create(school=school)
    before = snapshot(settings, ["staff_loans_need_permission"])
    settings.staff_loans_need_permission = staff_loans_need_permission
    settings.save()
    changes = diff(before, snapshot(settings, ["staff_loans_need_permission"]))
    if changes:
        audit_log(actor=actor, action="equipment.settings_changed", obj=settings, changes=changes)
    return settings


def off_site_exception_until(asset: Asset, today: dt.date | None = None) -> dt.date | None:
    """The end of the SIRO's running exception for ``asset`` to leave the site, or None."""
    today = today or timezone.localdate()
    return (
        OffSiteException.objects.filter(asset=asset, ends_on__gte=today)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )


@transaction.atomic
def off_site_exception_record(
    *, actor: User, asset: Asset, reason: str, ends_on: dt.date | None
) -> OffSiteException:
    """The SIRO lets an unencrypted device that can hold personal data leave the site until
    ``ends_on`` (``rules.off_site_refusal``)."""
    require_perm(actor, Perm.EQUIPMENT_DATA_EXCEPTIONS, asset.school)
    reason = _words(reason)
    problems = rules.off_site_exception_problems(
        reason=reason, ends_on=ends_on, today=timezone.localdate()
    )
    if problems:
        raise ServiceError(next(iter(problems.values()))[0], field_errors=problems)
    assert ends_on is not None
    exception = OffSiteException.objects.create(
        school=asset.school, asset=asset, reason=reason[:300], ends_on=ends_on, recorded_by=actor
    )
    audit_log(
        actor=actor,
        action="equipment.off_site_exception_recorded",
        obj=asset,
        changes={"off_site_until": [None, ends_on.isoformat()], "reason": [None, reason]},
    )
    return exception


def checkout_refusal(asset: Asset) -> str | None:
    """Why this asset cannot be checked out now (``rules.checkout_refusal``), or None."""
    open_loan = Loan.objects.filter(asset=asset, state__in=OPEN_LOAN_STATES).exists()
    return rules.checkout_refusal(
        asset.state, in_disposal_batch=asset.disposal_batch_id is not None, open_loan=open_loan
    ) or gate_refusal(asset, for_disposal=False)


def gate_refusal(asset: Asset, *, for_disposal: bool) -> str | None:
    """Why an area above equipment refuses to lend (or dispose of) this asset, or None.

    Areas answer through ``<app>/equipment_gates.py`` (``REFUSALS``: callables
    ``(asset, *, for_disposal) -> str | None``), e.g. the data-protection area for removable
    media not securely wiped since its last return.
    """
    for gate in collect("equipment_gates", "REFUSALS"):
        refusal: str | None = gate(asset, for_disposal=for_disposal)
        if refusal:
            return refusal
    return None


@transaction.atomic
def loan_check_out(
    *,
    actor: User | None,
    asset: Asset,
    person: Person,
    due_on: dt.date | None,
    purpose: str = "",
    kind: str = LoanKind.LOAN,
    acceptance: Acceptance | None = None,
    class_set_loan: ClassSetLoan | None = None,
    off_site: bool = True,
) -> Loan:
    """Check an asset out to a person.

    Without ``acceptance`` the loan waits for the loan agreement (accepted later at the
    desk or through a one-time link) and the asset is not yet issued; with it, the asset is
    issued at once. Refused for disposed, lost or already lent assets, for staff whose
    acceptable-use agreement is not current, and off the site for unencrypted devices that
    can hold personal data (``rules``). A staff loan first waits for the ICT manager's and
    the headteacher's permission when the school asks for it (``loan_permit``).
    """
    asset = _locked_asset(asset)
    refusal = checkout_refusal(asset)
    if refusal:
        raise ServiceError(refusal)
    _check_borrower(person, asset.school)
    staff = person.is_staff_member
    if staff:
        refusal = rules.staff_agreement_refusal(access_refusal(person))
        if refusal:
            raise ServiceError(refusal, field_errors={"person": [refusal]})
    refusal = rules.off_site_refusal(
        holds_personal_data=asset.holds_personal_data,
        encrypted=asset.encrypted,
        off_site=off_site,
        exception_until=off_site_exception_until(asset),
    )
    if refusal:
        raise ServiceError(refusal, field_errors={"off_site": [refusal]})
    if kind not in LoanKind.values:
        raise ServiceError("Choose a loan or an assignment.")
    today = timezone.localdate()
    if kind == LoanKind.LOAN:
        if due_on is None:
            raise ServiceError(
                "Give the date the loan is due back.", field_errors={"due_on": ["Enter a date."]}
            )
        if due_on < today:
            raise ServiceError(
                "The due date is in the past; choose today or later.",
                field_errors={"due_on": ["Choose today or a later date."]},
            )
    loan = Loan(
        school=asset.school,
        asset=asset,
        person=person,
        kind=kind,
        due_on=due_on if kind == LoanKind.LOAN else None,
        purpose=_words(purpose)[:200],
        off_site=off_site,
        checked_out_at=timezone.now(),
        checked_out_by=actor,
        class_set_loan=class_set_loan,
    )
    if acceptance is not None:
        _accept(actor, loan, acceptance)
    if class_set_loan is None and rules.permission_needed(
        borrower_is_staff=staff,
        setting_on=equipment_settings(asset.school).staff_loans_need_permission,
    ):
        loan.state = LoanState.AWAITING_PERMISSION
    loan.save()
    audit_log(
        actor=actor,
        action="loan.checked_out",
        obj=loan,
        changes=diff(
            {},
            snapshot(
                loan,
                ["asset", "person", "kind", "due_on", "purpose", "off_site", *ACCEPTANCE_FIELDS],
            ),
        ),
    )
    if loan.is_issued:
        _set_asset_state(actor, asset, _issued_state(loan), loan)
    return loan


def _locked_loan(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update()
        .select_related("asset", "person", "school__trust")
        .get(pk=loan.pk)
    )


PERMISSION_FIELDS = [
    "state",
    "ict_permission_by",
    "ict_permission_at",
    "head_permission_by",
    "head_permission_at",
    "permission_refused_reason",
]


def permission_roles(actor: User | None, loan: Loan) -> list[str]:
    """Which permissions ``actor`` can give this loan (``rules.PERMISSION_GIVERS``): ``ict``
    (the ICT security manager) and ``head`` (the headteacher), those not yet given."""
    if actor is None:
        return []
    roles = roles_by_school(actor).get(loan.school_id, set())
    given_at = {"ict": loan.ict_permission_at, "head": loan.head_permission_at}
    return [
        giver
        for giver, role in rules.PERMISSION_GIVERS.items()
        if role in roles and given_at[giver] is None
    ]


@transaction.atomic
def loan_permit(*, actor: User, loan: Loan) -> Loan:
    """Give the actor's permission for a staff loan (as ICT manager, headteacher or both);
    once both are given the loan goes on to its agreement, or is issued if it was accepted
    at check-out."""
    loan = _locked_loan(loan)
    if loan.state != LoanState.AWAITING_PERMISSION:
        raise ServiceError(
            f"This loan is {loan.get_state_display().lower()}; it needs no permission."
        )
    giving = permission_roles(actor, loan)
    if not giving:
        raise PermissionDenied(
            "Only the ICT manager and the headteacher give permission for staff loans, once each."
        )
    before = snapshot(loan, PERMISSION_FIELDS)
    now = timezone.now()
    if "ict" in giving:
        loan.ict_permission_by, loan.ict_permission_at = actor, now
    if "head" in giving:
        loan.head_permission_by, loan.head_permission_at = actor, now
    if loan.ict_permission_at and loan.head_permission_at:
        loan.state = LoanState.ISSUED if loan.accepted_at else LoanState.AWAITING_AGREEMENT
    loan.save()
    audit_log(
        actor=actor,
        action="loan.permission_given",
        obj=loan,
        changes=diff(before, snapshot(loan, PERMISSION_FIELDS)),
    )
    if loan.is_issued:
        _set_asset_state(actor, _locked_asset(loan.asset), _issued_state(loan), loan)
    return loan


@transaction.atomic
def loan_permission_refuse(*, actor: User, loan: Loan, reason: str) -> Loan:
    """The ICT manager or the headteacher refuses a staff loan, with the reason; the loan
    is cancelled and the device stays in stock."""
    loan = _locked_loan(loan)
    if loan.state != LoanState.AWAITING_PERMISSION:
        raise ServiceError(f"This loan is {loan.get_state_display().lower()}; nothing to refuse.")
    roles = roles_by_school(actor).get(loan.school_id, set())
    if not roles & set(rules.PERMISSION_GIVERS.values()):
        raise PermissionDenied("Only the ICT manager or the headteacher refuses a staff loan.")
    reason = _words(reason)
    if len(reason) < 5:
        raise ServiceError(
            "Say why the loan is refused (at least a few words).",
            field_errors={"reason": ["Say why the loan is refused."]},
        )
    before = snapshot(loan, PERMISSION_FIELDS)
    _close(loan, LoanState.CANCELLED)
    loan.permission_refused_reason = reason[:300]
    loan.save()
    audit_log(
        actor=actor,
        action="loan.permission_refused",
        obj=loan,
        changes=diff(before, snapshot(loan, PERMISSION_FIELDS)),
    )
    return loan


@transaction.atomic
def loan_accept(*, actor: User | None, loan: Loan, acceptance: Acceptance) -> Loan:
    """Record the borrower's acceptance of the loan agreement; the asset is then issued."""
    loan = _locked_loan(loan)
    if loan.state != LoanState.AWAITING_AGREEMENT:
        raise ServiceError(f"This loan is {loan.get_state_display().lower()}; nothing to accept.")
    before = snapshot(loan, ACCEPTANCE_FIELDS)
    _accept(actor, loan, acceptance)
    loan.save()
    audit_log(
        actor=actor,
        action="loan.agreement_accepted",
        obj=loan,
        changes=diff(before, snapshot(loan, ACCEPTANCE_FIELDS)),
    )
    asset = _locked_asset(loan.asset)
    _set_asset_state(actor, asset, _issued_state(loan), loan)
    return loan


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


@transaction.atomic
def loan_link_create(*, actor: User | None, loan: Loan) -> str:
    """A one-time link for the borrower to accept the agreement; returns the token.

    Only the token's SHA-256 is kept, and a new link replaces any earlier one.
    """
    loan = _locked_loan(loan)
    if loan.state != LoanState.AWAITING_AGREEMENT:
        raise ServiceError("Only a loan waiting for its agreement gets an acceptance link.")
    raw = secrets.token_urlsafe(24)
    loan.link_token_hash = _token_hash(raw)
    loan.link_expires_at = timezone.now() + dt.timedelta(days=rules.ACCEPTANCE_LINK_DAYS)
    loan.save(update_fields=["link_token_hash", "link_expires_at"])
    audit_log(
        actor=actor,
        action="loan.link_created",
        obj=loan,
        changes={"link_expires_at": [None, loan.link_expires_at.isoformat()]},
    )
    return signing.Signer(salt=LINK_SALT).sign(raw)


def loan_link_recipients(person: Person) -> list[Person]:
    """Who an acceptance link is e-mailed to: the borrower, or, for a pupil with no e-mail
    address, their parents and carers with parental responsibility who have one."""
    if person.email:
        return [person]
    if person.person_type != PersonType.PUPIL:
        return []
    links = Guardianship.objects.filter(
        pupil=person, parental_responsibility=True, parent__email__gt=""
    ).select_related("parent")
    return [link.parent for link in links.order_by("contact_priority", "pk")]


@dataclass(frozen=True)
class LoanLink:
    url: str
    sent_to: list[str]


@transaction.atomic
def loan_link_send(
    *, actor: User | None, loan: Loan, url_for: Callable[[str], str], email: bool = True
) -> LoanLink:
    """Create the one-time acceptance link and e-mail it (``loan_link_recipients``).

    Returns the link's address (for the office to hand over when nobody has an e-mail
    address) and the addresses it went to.
    """
    token = loan_link_create(actor=actor, loan=loan)
    url = url_for(token)
    recipients = loan_link_recipients(loan.person) if email else []
    for recipient in recipients:
        on_behalf = "" if recipient.pk == loan.person_id else f" for {loan.person.full_name}"
        body = (
            f"Dear {recipient.full_name},\n\n{loan.school.name} is lending {loan.asset}"
            f"{on_behalf}. Please read and accept the loan agreement here (the link works once "
            f"and for {rules.ACCEPTANCE_LINK_DAYS} days):\n\n{url}\n\nIf you did not expect "
            "this message, please contact the school office.\n"
        )
        subject = f"Loan agreement for {loan.asset.asset_tag} from {loan.school.name}"
        send_email_on_commit(subject=subject, body=body, to=[recipient.email])
    if recipients:
        audit_log(
            actor=actor,
            action="loan.link_sent",
            obj=loan,
            changes={"sent_to": [None, ", ".join(r.email for r in recipients)]},
        )
    return LoanLink(url=url, sent_to=[r.email for r in recipients])


def loan_for_token(token: str) -> Loan:
    """The loan a one-time link opens, or ``ServiceError`` saying why it cannot be used."""
    try:
        raw = signing.Signer(salt=LINK_SALT).unsign(token)
    except signing.BadSignature:
        raise ServiceError("This link is not valid; check it was copied in full.") from None
    loan = (
        Loan.objects.select_related("asset", "person", "school")
        .filter(link_token_hash=_token_hash(raw))
        .first()
    )
    if loan is None or loan.state != LoanState.AWAITING_AGREEMENT:
        raise ServiceError(
            "This link has been used or replaced; a link works once. Ask the school office."
        )
    if loan.link_expires_at is None or loan.link_expires_at <= timezone.now():
        raise ServiceError("This link has expired; ask the school office for a new one.")
    return loan


@transaction.atomic
def loan_link_use(
    *, token: str, typed_name: str, confirmed: bool, ip: str | None, user_agent: str
) -> Loan:
    """Accept the loan agreement through a one-time link; the link then stops working."""
    loan = loan_for_token(token)
    return loan_accept(
        actor=None,
        loan=loan,
        acceptance=Acceptance(
            typed_name=typed_name,
            confirmed=confirmed,
            method=AcceptanceMethod.LINK,
            ip=ip,
            user_agent=user_agent,
        ),
    )


@transaction.atomic
def loan_check_in(
    *, actor: User | None, loan: Loan, condition: str = ReturnCondition.GOOD, notes: str = ""
) -> Loan:
    """Check an asset back in, with its condition; damaged or faulty goes to repair."""
    loan = _locked_loan(loan)
    if loan.state != LoanState.ISSUED:
        if loan.state in (LoanState.AWAITING_AGREEMENT, LoanState.AWAITING_PERMISSION):
            raise ServiceError("This loan was never issued; cancel it instead.")
        raise ServiceError(f"This loan is already {loan.get_state_display().lower()}.")
    if condition not in ReturnCondition.values:
        raise ServiceError("Choose the condition the item came back in.")
    before = snapshot(loan, ["state", "returned_at", "return_condition", "return_notes"])
    _close(loan, LoanState.RETURNED)
    loan.returned_at = timezone.now()
    loan.returned_by = actor
    loan.return_condition = condition
    loan.return_notes = notes.strip()
    loan.save()
    audit_log(
        actor=actor,
        action="loan.checked_in",
        obj=loan,
        changes=diff(
            before, snapshot(loan, ["state", "returned_at", "return_condition", "return_notes"])
        ),
    )
    asset = _locked_asset(loan.asset)
    damaged = condition in (ReturnCondition.DAMAGED, ReturnCondition.FAULTY)
    _set_asset_state(actor, asset, AssetState.IN_REPAIR if damaged else AssetState.IN_STOCK, loan)
    return loan


@transaction.atomic
def loan_cancel(*, actor: User | None, loan: Loan) -> Loan:
    """Cancel a check-out that was never issued (the device never left)."""
    loan = _locked_loan(loan)
    if loan.state not in (LoanState.AWAITING_AGREEMENT, LoanState.AWAITING_PERMISSION):
        raise ServiceError("Only a loan that was never issued can be cancelled.")
    old = loan.state
    _close(loan, LoanState.CANCELLED)
    loan.save()
    audit_log(
        actor=actor,
        action="loan.cancelled",
        obj=loan,
        changes={"state": [old, LoanState.CANCELLED.value]},
    )
    return loan


@transaction.atomic
def loan_write_off(*, actor: User | None, loan: Loan, reason: str) -> Loan:
    """Close an issued loan whose item will not come back, with the reason (duty "Equipment
    returned on leaving", docs/policy-map.md)."""
    loan = _locked_loan(loan)
    refusal = rules.write_off_refusal(reason)
    if refusal:
        raise ServiceError(refusal, field_errors={"reason": [refusal]})
    if loan.state != LoanState.ISSUED:
        raise ServiceError(
            f"This loan is {loan.get_state_display().lower()}; nothing to write off."
        )
    _close(loan, LoanState.WRITTEN_OFF)
    loan.written_off_reason = _words(reason)[:300]
    loan.returned_at = timezone.now()
    loan.returned_by = actor
    loan.save()
    audit_log(
        actor=actor,
        action="loan.written_off",
        obj=loan,
        changes={
            "state": [LoanState.ISSUED.value, LoanState.WRITTEN_OFF.value],
            "reason": [None, loan.written_off_reason],
        },
    )
    asset = _locked_asset(loan.asset)
    if asset.state not in (AssetState.LOST, AssetState.STOLEN):
        _set_asset_state(actor, asset, AssetState.WRITTEN_OFF, loan)
    return loan


@transaction.atomic
def loan_reminders_send(*, school: School, now: dt.datetime | None = None) -> int:
    """E-mail borrowers whose loans are overdue, at most every few days each."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = now - dt.timedelta(days=rules.REMINDER_INTERVAL_DAYS)
    due = (
        Loan.objects.filter(school=school, state=LoanState.ISSUED, due_on__lt=today)
        .filter(models.Q(reminded_at__isnull=True) | models.Q(reminded_at__lt=since))
        .select_related("asset", "person")
    )
    sent: list[Loan] = []
    for loan in due:
        if not loan.person.email:
            continue
        body = (
            f"Dear {loan.person.full_name},\n\n{loan.asset} was due back at {school.name} on "
            f"{loan.due_on:%d/%m/%Y}. Please return it to the school office, or tell the "
            "office if you need longer.\n"
        )
        send_email_on_commit(
            subject=f"Overdue: {loan.asset.asset_tag}", body=body, to=[loan.person.email]
        )
        loan.reminded_at = now
        sent.append(loan)
    if sent:
        Loan.objects.bulk_update(sent, ["reminded_at"])
        audit_log_many(
            actor=None,
            action="loan.reminded",
            items=[(loan, {"reminded_at": [None, now.isoformat()]}) for loan in sent],
            school=school,
        )
    return len(sent)
