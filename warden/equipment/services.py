"""Every write to the equipment register goes through these services.

Each is keyword-only, runs in a transaction, writes an audit entry and raises
``ServiceError`` with a message a person can act on. The policy rules they apply are in
``rules.py``; the possible-breach hook in ``breach.py``; the CSV imports in ``importing.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from warden.agreements.models import AgreementVersion, Audience, VersionStatus
from warden.agreements.rules import access_refusal
from warden.agreements.services import signature_record
from warden.core.access import require_perm, roles_by_school
from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import School, User
from warden.core.roles import Perm
from warden.core.tasks import send_email, send_email_on_commit
from warden.core.uploads import Scan
from warden.equipment import breach, rules
from warden.equipment.models import (
    OPEN_LOAN_STATES,
    AcceptanceMethod,
    AgreementText,
    Asset,
    AssetState,
    AssetType,
    AuditPlan,
    ClassSet,
    ClassSetLoan,
    DeviceRequest,
    DisposalBatch,
    DisposalCompany,
    EquipmentSettings,
    GuestWifiSession,
    Installation,
    InstallRequest,
    Loan,
    LoanKind,
    LoanState,
    Location,
    LossKind,
    LossReport,
    OffSiteException,
    PhoneHandIn,
    PhoneRequest,
    RequestState,
    ReturnCondition,
    SoftwareProduct,
    Stocktake,
    StocktakeLine,
    WipingMethod,
    text_sha256,
)
from warden.people.models import Guardianship, Person, PersonType, Status

LINK_SALT = "warden.equipment.loan-acceptance"

# Asset fields a form, an import or the demo may set.
ASSET_FIELDS = (
    "asset_tag",
    "asset_type",
    "make",
    "model",
    "serial",
    "location",
    "purchase_date",
    "warranty_until",
    "holds_personal_data",
    "encrypted",
    "antivirus",
    "mdm_enrolled",
    "screen_lock",
    "pin_set",
    "security_checked_on",
    "notes",
)
SECURITY_FIELDS = ("encrypted", "antivirus", "mdm_enrolled", "screen_lock", "pin_set")


def _words(text: str) -> str:
    return " ".join((text or "").split())


# --- locations and assets --------------------------------------------------------------------


@transaction.atomic
def location_create(*, actor: User | None, school: School, name: str) -> Location:
    """Add a room or store where assets live and stocktakes are done."""
    name = _words(name)
    if not name:
        raise ServiceError("Give the location a name, e.g. ICT suite or Server room.")
    if Location.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"{school.name} already has a location called {name}.")
    location = Location.objects.create(school=school, name=name)
    audit_log(actor=actor, action="location.created", obj=location, changes={"name": [None, name]})
    return location


def location_for_name(school: School, name: str) -> Location | None:
    """The school's location of this name (any case), or None."""
    name = _words(name)
    if not name:
        return None
    return Location.objects.filter(school=school, name__iexact=name).first()


def asset_problems(asset: Asset) -> dict[str, list[str]]:
    """Field errors for an asset record, in words that say what to fix."""
    errors: dict[str, list[str]] = {}
    if not asset.asset_tag.strip():
        errors["asset_tag"] = ["Every asset needs the tag on its label."]
    if asset.asset_type not in AssetType.values:
        errors["asset_type"] = [
            f"“{asset.asset_type}” is not a type of equipment; choose one from the list."
        ]
    if asset.location is not None and asset.location.school_id != asset.school_id:
        errors["location"] = ["Choose a location at this school."]
    if asset.purchase_date and asset.warranty_until and asset.warranty_until < asset.purchase_date:
        errors["warranty_until"] = ["The warranty ends before the purchase date; correct one."]
    clash = Asset.objects.filter(school_id=asset.school_id, asset_tag=asset.asset_tag)
    if asset.pk:
        clash = clash.exclude(pk=asset.pk)
    if asset.asset_tag and clash.exists():
        errors.setdefault("asset_tag", []).append(
            f"Asset tag {asset.asset_tag} is already used at this school."
        )
    if asset.serial:
        clash = Asset.objects.filter(school_id=asset.school_id, serial=asset.serial)
        if asset.pk:
            clash = clash.exclude(pk=asset.pk)
        other = clash.first()
        if other is not None:
            errors["serial"] = [f"Serial {asset.serial} is already recorded on {other.asset_tag}."]
    return errors


def _raise_asset_problems(asset: Asset) -> None:
    errors = asset_problems(asset)
    if errors:
        raise ServiceError(
            f"The asset was not saved: {next(iter(errors.values()))[0]}", field_errors=errors
        )


@transaction.atomic
def asset_create(*, actor: User | None, school: School, fields: Mapping[str, Any]) -> Asset:
    """Register an asset with its serial number, authorised by whoever has the right to
    manage equipment (duties "Equipment logged with its serial number" and "Equipment
    allocated with ICT authorisation", docs/policy-map.md)."""
    asset = Asset(school=school)
    set_fields(asset, fields, ASSET_FIELDS)
    if "holds_personal_data" not in fields:
        asset.holds_personal_data = rules.default_holds_personal_data(asset.asset_type)
    _raise_asset_problems(asset)
    asset.save()
    audit_log(actor=actor, action="asset.created", obj=asset, changes=diff({}, snapshot(asset)))
    return asset


def _locked_asset(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().select_related("school__trust").get(pk=asset.pk)


@transaction.atomic
def asset_update(*, actor: User | None, asset: Asset, fields: Mapping[str, Any]) -> Asset:
    """Change an asset's details; its state changes only through loans, losses, disposal."""
    asset = _locked_asset(asset)
    if asset.state == AssetState.DISPOSED:
        raise ServiceError("This asset has been disposed of; its record is kept as it was.")
    before = snapshot(asset)
    set_fields(asset, fields, ASSET_FIELDS)
    changes = diff(before, snapshot(asset))
    if not changes:
        return asset
    _raise_asset_problems(asset)
    asset.save()
    audit_log(actor=actor, action="asset.updated", obj=asset, changes=changes)
    return asset


@transaction.atomic
def asset_set_state(*, actor: User | None, asset: Asset, state: str, note: str = "") -> Asset:
    """Send an asset to repair or back into stock (the states a technician sets by hand)."""
    asset = _locked_asset(asset)
    allowed = {AssetState.IN_STOCK, AssetState.IN_REPAIR}
    if state not in allowed:
        raise ServiceError("Only ‘in stock’ and ‘in repair’ are set by hand.")
    if asset.state not in allowed:
        raise ServiceError(
            f"The asset is {asset.get_state_display().lower()}; that is changed by checking it "
            "in, recording it found, or not at all once disposed."
        )
    if asset.state == state:
        return asset
    before = snapshot(asset, ["state"])
    asset.state = state
    asset.save(update_fields=["state", "updated_at"])
    changes = diff(before, snapshot(asset, ["state"]))
    if note:
        changes["note"] = [None, note]
    audit_log(actor=actor, action="asset.state_changed", obj=asset, changes=changes)
    return asset


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


def _check_borrower(person: Person, school: School) -> None:
    if person.school_id != school.pk:
        raise ServiceError("The borrower must be on this school's register.")
    if person.status == Status.LEFT:
        raise ServiceError(f"{person} has left the school; equipment cannot be lent to them.")


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
    )


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


def _set_asset_state(actor: User | None, asset: Asset, state: str, cause: Any) -> None:
    if asset.state == state:
        return
    old = asset.state
    asset.state = state
    asset.save(update_fields=["state", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.state_changed",
        obj=asset,
        changes={"state": [old, state], "because": [None, str(cause)]},
    )


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


def loan_issue(*, actor: User | None, loan: Loan) -> Loan:
    """Hand over a checked-out device: refused until the loan agreement is accepted."""
    loan = Loan.objects.get(pk=loan.pk)
    if loan.state == LoanState.ISSUED:
        return loan
    refusal = rules.issue_refusal(accepted=loan.accepted_at is not None)
    if refusal:
        raise ServiceError(refusal)
    raise ServiceError(f"This loan is {loan.get_state_display().lower()}.")


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
        # The database task backend stores the task in this transaction: the worker sends
        # it only once the link is saved.
        send_email.enqueue(subject=subject, body=body, to=[recipient.email])
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


def _close(loan: Loan, state: str) -> None:
    loan.state = state
    loan.link_token_hash = ""


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


# --- class sets -------------------------------------------------------------------------------


@transaction.atomic
def class_set_create(
    *, actor: User | None, school: School, name: str, location: Location | None = None
) -> ClassSet:
    """Start a class set (a trolley of tablets lent to a class together)."""
    name = _words(name)
    if not name:
        raise ServiceError("Name the class set, e.g. Year 5 iPad trolley.")
    if ClassSet.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"There is already a class set called {name}.")
    class_set = ClassSet.objects.create(school=school, name=name, location=location)
    audit_log(
        actor=actor, action="class_set.created", obj=class_set, changes={"name": [None, name]}
    )
    return class_set


@transaction.atomic
def class_set_assign(
    *, actor: User | None, class_set: ClassSet, assets: Iterable[Asset], remove: bool = False
) -> int:
    """Put assets into a class set (or take them out)."""
    changed = []
    for asset in assets:
        if asset.school_id != class_set.school_id:
            raise ServiceError(f"{asset.asset_tag} belongs to another school.")
        want = None if remove else class_set.pk
        if asset.class_set_id == want:
            continue
        before = snapshot(asset, ["class_set"])
        asset.class_set_id = want
        changed.append((asset, diff(before, snapshot(asset, ["class_set"]))))
    Asset.objects.bulk_update([a for a, _ in changed], ["class_set"])
    audit_log_many(
        actor=actor,
        action="asset.updated",
        items=[(a, c) for a, c in changed],
        school=class_set.school,
    )
    return len(changed)


@transaction.atomic
def class_set_check_out(
    *,
    actor: User | None,
    class_set: ClassSet,
    person: Person,
    due_on: dt.date,
    group: str = "",
    purpose: str = "",
    acceptance: Acceptance | None = None,
) -> ClassSetLoan:
    """Check out every available device of a class set to a teacher for a lesson.

    The teacher accepts the loan agreement once for the whole set. Devices that cannot be
    lent (in repair, lost) are left behind and named in the audit entry.
    """
    class_set = ClassSet.objects.select_for_update().get(pk=class_set.pk)
    _check_borrower(person, class_set.school)
    if ClassSetLoan.objects.filter(class_set=class_set, closed_at__isnull=True).exists():
        raise ServiceError(f"{class_set} is already out; check it in first.")
    assets = list(Asset.objects.select_for_update().filter(class_set=class_set))
    if not assets:
        raise ServiceError(f"{class_set} has no devices in it yet.")
    set_loan = ClassSetLoan.objects.create(
        school=class_set.school,
        class_set=class_set,
        person=person,
        group=_words(group)[:40],
        purpose=_words(purpose)[:200],
        due_on=due_on,
        checked_out_at=timezone.now(),
        checked_out_by=actor,
    )
    left_behind: list[str] = []
    lent = 0
    for asset in assets:
        if checkout_refusal(asset):
            left_behind.append(asset.asset_tag)
            continue
        loan_check_out(
            actor=actor,
            asset=asset,
            person=person,
            due_on=due_on,
            purpose=set_loan.purpose or f"Class set {class_set}",
            acceptance=acceptance,
            class_set_loan=set_loan,
            off_site=False,  # a class set is used in lessons, in school
        )
        lent += 1
    if not lent:
        raise ServiceError(f"None of the devices in {class_set} can be lent just now.")
    audit_log(
        actor=actor,
        action="class_set.checked_out",
        obj=set_loan,
        changes={
            "person": [None, person.pk],
            "devices": [None, lent],
            "left_behind": [None, ", ".join(left_behind)],
        },
    )
    return set_loan


@transaction.atomic
def class_set_accept(*, actor: User | None, set_loan: ClassSetLoan, acceptance: Acceptance) -> int:
    """The teacher accepts the loan agreement for every device of a set still waiting."""
    count = 0
    for loan in set_loan.loans.filter(state=LoanState.AWAITING_AGREEMENT):
        loan_accept(actor=actor, loan=loan, acceptance=acceptance)
        count += 1
    return count


@transaction.atomic
def class_set_check_in(
    *,
    actor: User | None,
    set_loan: ClassSetLoan,
    missing: Iterable[int] = (),
    notes: str = "",
) -> int:
    """Check a whole class set back in; devices listed as ``missing`` stay out on loan."""
    set_loan = ClassSetLoan.objects.select_for_update().get(pk=set_loan.pk)
    if set_loan.closed_at is not None:
        raise ServiceError("This class set has already been checked in.")
    missing_ids = set(missing)
    returned = 0
    still_out = 0
    for loan in set_loan.loans.filter(state__in=OPEN_LOAN_STATES).select_related("asset"):
        if loan.asset_id in missing_ids:
            still_out += 1
            continue
        if loan.state == LoanState.AWAITING_AGREEMENT:
            loan_cancel(actor=actor, loan=loan)
        else:
            loan_check_in(actor=actor, loan=loan, notes=notes)
        returned += 1
    if not still_out:
        set_loan.closed_at = timezone.now()
        set_loan.save(update_fields=["closed_at"])
    audit_log(
        actor=actor,
        action="class_set.checked_in",
        obj=set_loan,
        changes={"returned": [None, returned], "still_out": [None, still_out]},
    )
    return returned


# --- stocktakes -------------------------------------------------------------------------------


@transaction.atomic
def audit_plan_set(
    *, actor: User | None, location: Location, interval_days: int, next_due: dt.date
) -> AuditPlan:
    """Set how often a location is counted and when the next count is due."""
    if not 7 <= interval_days <= 1095:
        raise ServiceError(
            "Count a location between every week and every three years.",
            field_errors={"interval_days": ["Choose between 7 and 1,095 days."]},
        )
    plan = AuditPlan.objects.filter(location=location).first()
    before = snapshot(plan) if plan else {}
    if plan is None:
        plan = AuditPlan(school=location.school, location=location)
    plan.interval_days = interval_days
    plan.next_due = next_due
    changes = diff(before, snapshot(plan))
    if changes:
        plan.save()
        audit_log(actor=actor, action="audit_plan.set", obj=plan, changes=changes)
    return plan


@transaction.atomic
def stocktake_start(*, actor: User | None, location: Location) -> Stocktake:
    """Begin counting a location: every asset recorded there is expected."""
    if Stocktake.objects.filter(location=location, completed_at__isnull=True).exists():
        raise ServiceError(f"A stocktake of {location} is already under way; finish that one.")
    stocktake = Stocktake.objects.create(
        school=location.school, location=location, started_at=timezone.now(), started_by=actor
    )
    expected = Asset.objects.filter(location=location).exclude(
        state__in=[AssetState.DISPOSED, AssetState.LOST, AssetState.STOLEN, AssetState.WRITTEN_OFF]
    )
    StocktakeLine.objects.bulk_create(
        [StocktakeLine(stocktake=stocktake, asset=asset) for asset in expected]
    )
    audit_log(
        actor=actor,
        action="stocktake.started",
        obj=stocktake,
        changes={"location": [None, location.name], "expected": [None, expected.count()]},
    )
    return stocktake


@transaction.atomic
def stocktake_mark(
    *, actor: User | None, stocktake: Stocktake, asset: Asset, how: str = "scan"
) -> StocktakeLine:
    """Record an asset as seen: by scanning its label or ticking it off the list.

    An asset found that was recorded elsewhere is added (not expected) so the list shows it.
    """
    if stocktake.completed_at is not None:
        raise ServiceError("This stocktake is finished; start a new one.")
    if asset.school_id != stocktake.school_id:
        raise ServiceError("That asset belongs to another school.")
    line, _ = StocktakeLine.objects.get_or_create(
        stocktake=stocktake, asset=asset, defaults={"expected": False}
    )
    if line.seen_at is not None:
        return line
    now = timezone.now()
    line.seen_at, line.seen_by, line.how = now, actor, how if how in ("scan", "confirm") else "scan"
    line.save()
    Asset.objects.filter(pk=asset.pk).update(last_audited_at=now)
    audit_log(
        actor=actor,
        action="stocktake.seen",
        obj=stocktake,
        changes={"asset": [None, asset.asset_tag], "how": [None, line.how]},
    )
    return line


@transaction.atomic
def stocktake_complete(*, actor: User | None, stocktake: Stocktake, notes: str = "") -> Stocktake:
    """Finish a count: what was not seen is missing, and the plan's next date moves on."""
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.completed_at is not None:
        raise ServiceError("This stocktake is already finished.")
    stocktake.completed_at = timezone.now()
    stocktake.completed_by = actor
    stocktake.notes = notes.strip()
    stocktake.save()
    missing = stocktake.lines.filter(expected=True, seen_at__isnull=True).count()
    plan = AuditPlan.objects.filter(location_id=stocktake.location_id).first()
    changes: dict[str, Any] = {"missing": [None, missing]}
    if plan is not None:
        old = plan.next_due
        plan.next_due = rules.audit_next_due(timezone.localdate(), plan.interval_days)
        plan.save(update_fields=["next_due"])
        changes["next_due"] = [old.isoformat(), plan.next_due.isoformat()]
    audit_log(actor=actor, action="stocktake.completed", obj=stocktake, changes=changes)
    return stocktake


# --- loss and theft ---------------------------------------------------------------------------


@transaction.atomic
def loss_report(
    *,
    actor: User | None,
    asset: Asset,
    kind: str,
    circumstances: str,
    happened_at: dt.datetime | None = None,
    police_reference: str = "",
) -> LossReport:
    """Report an asset lost or stolen (policy duty "Lost or stolen equipment reported at
    once", docs/policy-map.md).

    The asset and any open loan are marked; the asset's posture is kept as it was at the
    report, and a possible data breach is raised for the SIRO when ``breach.breach_reason``
    says so, stamped with the time of this report.
    """
    asset = _locked_asset(asset)
    if kind not in LossKind.values:
        raise ServiceError("Say whether the asset was lost or stolen.")
    if asset.state in (AssetState.DISPOSED, AssetState.LOST, AssetState.STOLEN):
        raise ServiceError(
            f"This asset is already recorded as {asset.get_state_display().lower()}."
        )
    if len(_words(circumstances)) < 10:
        raise ServiceError(
            "Describe what happened: where and when it was last seen, and how it went missing.",
            field_errors={"circumstances": ["Describe what happened (a sentence or two)."]},
        )
    now = timezone.now()
    if happened_at is not None and happened_at > now:
        raise ServiceError(
            "The time it went missing is in the future.",
            field_errors={"happened_at": ["Give a time before now."]},
        )
    open_loan = (
        Loan.objects.select_for_update()
        .filter(asset=asset, state__in=OPEN_LOAN_STATES)
        .select_related("person")
        .first()
    )
    report = LossReport.objects.create(
        school=asset.school,
        asset=asset,
        kind=kind,
        happened_at=happened_at or now,
        reported_at=now,
        reported_by=actor,
        holder=open_loan.person if open_loan else None,
        circumstances=circumstances.strip(),
        police_reference=_words(police_reference)[:60],
        held_personal_data=asset.holds_personal_data,
        was_encrypted=asset.encrypted,
    )
    audit_log(
        actor=actor,
        action="loss.reported",
        obj=report,
        changes=diff(
            {},
            snapshot(
                report,
                [
                    "asset",
                    "kind",
                    "happened_at",
                    "reported_at",
                    "holder",
                    "circumstances",
                    "police_reference",
                    "held_personal_data",
                    "was_encrypted",
                ],
            ),
        ),
    )
    if open_loan is not None:
        before_state = open_loan.state
        _close(open_loan, LoanState.WRITTEN_OFF if open_loan.is_issued else LoanState.CANCELLED)
        open_loan.written_off_reason = f"Reported {report.get_kind_display().lower()}"
        open_loan.returned_at = now
        open_loan.returned_by = actor
        open_loan.save()
        audit_log(
            actor=actor,
            action="loan.written_off" if before_state == LoanState.ISSUED else "loan.cancelled",
            obj=open_loan,
            changes={
                "state": [before_state, open_loan.state],
                "reason": [None, open_loan.written_off_reason],
            },
        )
    _set_asset_state(actor, asset, kind, report)
    breach.possible_breach_raise(report=report)
    return report


@transaction.atomic
def asset_found(*, actor: User | None, asset: Asset, note: str = "") -> Asset:
    """A lost or stolen asset has come back: into stock, and the report notes when."""
    asset = _locked_asset(asset)
    if asset.state not in (AssetState.LOST, AssetState.STOLEN):
        raise ServiceError("Only an asset recorded as lost or stolen can be found.")
    report = asset.loss_reports.filter(found_at__isnull=True).first()
    if report is not None:
        report.found_at = timezone.now()
        report.save(update_fields=["found_at"])
    _set_asset_state(actor, asset, AssetState.IN_STOCK, note or "found")
    return asset


# --- disposal ---------------------------------------------------------------------------------


@transaction.atomic
def disposal_company_create(
    *,
    actor: User | None,
    school: School,
    name: str,
    waste_carrier_number: str = "",
    contact: str = "",
    approve: bool = False,
) -> DisposalCompany:
    """Add a disposal company to the school's list (approved separately, or at once)."""
    name = _words(name)
    if not name:
        raise ServiceError("Enter the company's name.")
    if DisposalCompany.objects.filter(school=school, name__iexact=name).exists():
        raise ServiceError(f"{name} is already on the list.")
    company = DisposalCompany.objects.create(
        school=school,
        name=name,
        waste_carrier_number=_words(waste_carrier_number),
        contact=_words(contact),
    )
    audit_log(
        actor=actor,
        action="disposal_company.created",
        obj=company,
        changes=diff({}, snapshot(company)),
    )
    if approve:
        disposal_company_set_approved(actor=actor, company=company, approved=True)
    return company


@transaction.atomic
def disposal_company_set_approved(
    *, actor: User | None, company: DisposalCompany, approved: bool
) -> DisposalCompany:
    """Approve a company to take equipment away, or withdraw approval."""
    company = DisposalCompany.objects.select_for_update().get(pk=company.pk)
    if company.approved == approved:
        return company
    if approved and not company.waste_carrier_number:
        raise ServiceError(
            "Record the company's waste carrier registration number before approving it; "
            "WEEE waste may only go to a registered carrier."
        )
    company.approved = approved
    company.approved_at = timezone.now() if approved else None
    company.approved_by = actor if approved else None
    company.save()
    audit_log(
        actor=actor,
        action="disposal_company.approved" if approved else "disposal_company.unapproved",
        obj=company,
        changes={"approved": [not approved, approved]},
    )
    return company


@transaction.atomic
def disposal_batch_create(
    *, actor: User | None, school: School, company: DisposalCompany, reference: str
) -> DisposalBatch:
    """Start a batch of equipment for collection by an approved disposal company."""
    reference = _words(reference)
    if company.school_id != school.pk:
        raise ServiceError("Choose a company on this school's list.")
    if not company.approved:
        raise ServiceError(
            f"{company} is not an approved disposal company (the policy lets equipment go "
            "only to an approved company); approve it first.",
            field_errors={"company": ["Choose an approved company."]},
        )
    if not reference:
        raise ServiceError("Give the batch a reference, e.g. the collection date.")
    if DisposalBatch.objects.filter(school=school, reference__iexact=reference).exists():
        raise ServiceError(f"A disposal batch called {reference} already exists.")
    batch = DisposalBatch.objects.create(
        school=school, company=company, reference=reference, created_by=actor
    )
    audit_log(
        actor=actor,
        action="disposal_batch.created",
        obj=batch,
        changes={"company": [None, company.name], "reference": [None, reference]},
    )
    return batch


@transaction.atomic
def disposal_batch_add(*, actor: User | None, batch: DisposalBatch, asset: Asset) -> Asset:
    """Put an asset in a batch for collection; it cannot be lent from now on."""
    asset = _locked_asset(asset)
    if batch.is_complete:
        raise ServiceError("This batch has been collected and certified; start a new batch.")
    if asset.school_id != batch.school_id:
        raise ServiceError("That asset belongs to another school.")
    if asset.state == AssetState.DISPOSED:
        raise ServiceError(f"{asset.asset_tag} has already been disposed of.")
    if asset.state in (AssetState.LOST, AssetState.STOLEN):
        raise ServiceError(
            f"{asset.asset_tag} is recorded as lost or stolen; record it found before disposal."
        )
    if asset.disposal_batch_id is not None:
        raise ServiceError(
            f"{asset.asset_tag} is already in disposal batch {asset.disposal_batch}."
        )
    if Loan.objects.filter(asset=asset, state__in=OPEN_LOAN_STATES).exists():
        raise ServiceError(f"{asset.asset_tag} is checked out; check it in before disposing of it.")
    asset.disposal_batch = batch
    asset.save(update_fields=["disposal_batch", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.added_to_disposal",
        obj=asset,
        changes={"disposal_batch": [None, batch.reference]},
    )
    return asset


@transaction.atomic
def disposal_batch_remove(*, actor: User | None, batch: DisposalBatch, asset: Asset) -> Asset:
    """Take an asset back out of a batch that has not been collected."""
    asset = _locked_asset(asset)
    if batch.is_complete or asset.disposal_batch_id != batch.pk:
        raise ServiceError("Only an asset in an uncollected batch can be taken out of it.")
    asset.disposal_batch = None
    asset.save(update_fields=["disposal_batch", "updated_at"])
    audit_log(
        actor=actor,
        action="asset.removed_from_disposal",
        obj=asset,
        changes={"disposal_batch": [batch.reference, None]},
    )
    return asset


@transaction.atomic
def disposal_batch_complete(
    *,
    actor: User | None,
    batch: DisposalBatch,
    certificate_number: str,
    certificate_scan: Scan | None,
    weee_reference: str,
    wiping_method: str,
    collected_on: dt.date | None = None,
) -> DisposalBatch:
    """Record the certificate of disposal: every asset in the batch is disposed of for good,
    and its software seats are freed."""
    batch = DisposalBatch.objects.select_for_update().select_related("school").get(pk=batch.pk)
    if batch.is_complete:
        raise ServiceError("This batch is already complete.")
    if wiping_method and wiping_method not in WipingMethod.values:
        raise ServiceError("Choose a data-wiping method from the list.")
    errors = rules.disposal_completion_problems(
        certificate_number=certificate_number,
        has_scan=certificate_scan is not None,
        weee_reference=weee_reference,
        wiping_method=wiping_method,
    )
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    assets = list(Asset.objects.select_for_update().filter(disposal_batch=batch))
    if not assets:
        raise ServiceError("The batch has no assets in it; add the collected assets first.")
    assert certificate_scan is not None
    now = timezone.now()
    batch.certificate_number = _words(certificate_number)
    batch.weee_reference = _words(weee_reference)
    batch.wiping_method = wiping_method
    batch.collected_on = collected_on or timezone.localdate()
    batch.certificate_sha256 = hashlib.sha256(certificate_scan.content).hexdigest()
    batch.certificate_scan.save(
        f"{batch.school_id}-{batch.certificate_sha256[:12]}-{certificate_scan.name}",
        ContentFile(certificate_scan.content),
        save=False,
    )
    batch.completed_at = now
    batch.completed_by = actor
    batch.save()
    audit_log(
        actor=actor,
        action="disposal_batch.completed",
        obj=batch,
        changes=diff(
            {},
            snapshot(
                batch,
                [
                    "certificate_number",
                    "certificate_sha256",
                    "weee_reference",
                    "wiping_method",
                    "collected_on",
                ],
            ),
        )
        | {"assets": [None, len(assets)]},
    )
    items = []
    for asset in assets:
        items.append((asset, {"state": [asset.state, AssetState.DISPOSED.value]}))
        asset.state = AssetState.DISPOSED
        asset.updated_at = now
    Asset.objects.bulk_update(assets, ["state", "updated_at"])
    audit_log_many(
        actor=actor, action="asset.disposed", items=[(a, c) for a, c in items], school=batch.school
    )
    installations_remove(
        actor=actor,
        installations=Installation.objects.filter(asset__in=assets, removed_at__isnull=True),
        reason=f"Device disposed of ({batch.reference})",
        school=batch.school,
    )
    return batch


# --- software ---------------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "publisher", "licence_model", "seats", "renewal_on", "notes")


@transaction.atomic
def product_save(
    *,
    actor: User | None,
    school: School,
    fields: Mapping[str, Any],
    product: SoftwareProduct | None = None,
) -> SoftwareProduct:
    """Add a licensed product or change its seats and renewal date (duty "Software licences
    reconciled", docs/policy-map.md)."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    if product is not None:
        product = SoftwareProduct.objects.select_for_update().get(pk=product.pk)
    target = product or SoftwareProduct(school=school)
    before = snapshot(target) if product else {}
    for name, value in fields.items():
        setattr(
            target, name, _words(value) if isinstance(value, str) and name != "notes" else value
        )
    if not target.name:
        raise ServiceError("Enter the product's name.", field_errors={"name": ["Enter a name."]})
    clash = SoftwareProduct.objects.filter(school=school, name__iexact=target.name)
    if target.pk:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ServiceError(
            f"{target.name} is already on the list.",
            field_errors={"name": ["This product is already recorded."]},
        )
    if target.seats is None or target.seats < 0:
        raise ServiceError("Seats bought cannot be negative.")
    changes = diff(before, snapshot(target))
    if changes:
        target.save()
        audit_log(
            actor=actor,
            action="product.updated" if product else "product.created",
            obj=target,
            changes=changes,
        )
    return target


@transaction.atomic
def installation_record(
    *,
    actor: User | None,
    product: SoftwareProduct,
    asset: Asset,
    version: str = "",
    installed_on: dt.date | None = None,
) -> Installation:
    """Record that a licensed product is installed on a device (once per device)."""
    if asset.school_id != product.school_id:
        raise ServiceError("The device and the product belong to different schools.")
    if asset.state == AssetState.DISPOSED:
        raise ServiceError("Software cannot be installed on a disposed device.")
    existing = Installation.objects.filter(
        product=product, asset=asset, removed_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    installation = Installation.objects.create(
        school=product.school,
        product=product,
        asset=asset,
        version=_words(version)[:60],
        installed_on=installed_on,
        first_seen_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="installation.recorded",
        obj=installation,
        changes={"product": [None, product.name], "asset": [None, asset.asset_tag]},
    )
    return installation


def installations_remove(
    *,
    actor: User | None,
    installations: models.QuerySet[Installation],
    reason: str,
    school: School,
) -> int:
    """Mark installations as removed (the rows stay): their seats are free again."""
    rows = list(installations)
    if not rows:
        return 0
    now = timezone.now()
    for row in rows:
        row.removed_at = now
        row.removed_reason = reason[:200]
    Installation.objects.bulk_update(rows, ["removed_at", "removed_reason"])
    audit_log_many(
        actor=actor,
        action="installation.removed",
        items=[
            (row, {"removed_at": [None, now.isoformat()], "reason": [None, reason]}) for row in rows
        ],
        school=school,
    )
    return len(rows)


# The shortest reason that can say what software is for ("Year 4 coding unit" is 18).
INSTALL_REASON_MIN_CHARS = 5


@transaction.atomic
def install_request_create(
    *,
    actor: User | None,
    school: School,
    software_name: str,
    reason: str,
    product: SoftwareProduct | None = None,
    asset: Asset | None = None,
) -> InstallRequest:
    """Ask for software to be installed; nothing is installed until the ICT manager agrees
    (policy duty "Software installed only with authorisation", docs/policy-map.md)."""
    name = _words(software_name) or (product.name if product else "")
    if not name:
        raise ServiceError("Say which software you need.")
    if len(_words(reason)) < INSTALL_REASON_MIN_CHARS:
        wanted = (
            f"Say what the software is for in at least {INSTALL_REASON_MIN_CHARS} characters "
            "(for example, “Year 4 coding unit”)."
        )
        raise ServiceError(wanted, field_errors={"reason": [wanted]})
    for thing in (product, asset):
        if thing is not None and thing.school_id != school.pk:
            raise ServiceError("Choose a product and device at this school.")
    request = InstallRequest.objects.create(
        school=school,
        product=product,
        software_name=name[:200],
        asset=asset,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="install_request.created",
        obj=request,
        changes=diff({}, snapshot(request, ["software_name", "product", "asset", "reason"])),
    )
    return request


_Decided = TypeVar("_Decided", InstallRequest, DeviceRequest, PhoneRequest)


def _request_decide(
    *, actor: User | None, request: _Decided, approve: bool, note: str, action: str
) -> _Decided:
    """Approve or refuse a pending request of any kind; a refusal must say why, so the
    requester knows. ``action`` names it in the audit trail (``<action>.approved``)."""
    request = type(request).objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise ServiceError("This request has already been decided.")
    if not approve and len(_words(note)) < 3:
        raise ServiceError(
            "Say why the request is refused, so the requester knows.",
            field_errors={"note": ["Give the reason."]},
        )
    request.state = RequestState.APPROVED if approve else RequestState.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_note = _words(note)[:300]
    request.save()
    audit_log(
        actor=actor,
        action=f"{action}.approved" if approve else f"{action}.refused",
        obj=request,
        changes={"state": ["pending", request.state], "note": [None, request.decision_note]},
    )
    return request


@transaction.atomic
def install_request_decide(
    *, actor: User | None, request: InstallRequest, approve: bool, note: str = ""
) -> InstallRequest:
    """The ICT manager approves or refuses an installation request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="install_request"
    )


@transaction.atomic
def install_request_complete(
    *, actor: User | None, request: InstallRequest, product: SoftwareProduct, asset: Asset
) -> InstallRequest:
    """The technician installed approved software: record the installation against it."""
    request = InstallRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.APPROVED:
        raise ServiceError("Only an approved request can be installed.")
    installation = installation_record(actor=actor, product=product, asset=asset)
    request.state = RequestState.DONE
    request.installation = installation
    request.product = product
    request.asset = asset
    request.save()
    audit_log(
        actor=actor,
        action="install_request.done",
        obj=request,
        changes={"state": ["approved", "done"], "installation": [None, installation.pk]},
    )
    return request


# --- personal devices, pupils' phones and guest Wi-Fi ----------------------------------------

_MAC = re.compile(r"^[0-9A-F]{2}([:-]?)[0-9A-F]{2}(\1[0-9A-F]{2}){4}$")


def normalise_mac(raw: str) -> str:
    """A MAC address as six colon-separated upper-case pairs, or ``ServiceError``."""
    text = raw.strip().upper()
    if not _MAC.match(text):
        raise ServiceError(
            "That is not a MAC address; it looks like 3C:22:FB:01:A2:9E.",
            field_errors={
                "mac_address": ["Enter six pairs of hex digits, e.g. 3C:22:FB:01:A2:9E."]
            },
        )
    digits = re.sub(r"[^0-9A-F]", "", text)
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@transaction.atomic
def device_request_create(
    *, actor: User | None, person: Person, device: str, reason: str
) -> DeviceRequest:
    """A member of staff asks to connect a personal device to the school network.

    Policy duty "Personal devices connect only with permission" (docs/policy-map.md): not
    without SLT's permission, and the connection is set up by Technical Support.
    """
    if person.person_type not in (
        PersonType.TEACHING_STAFF,
        PersonType.SUPPORT_STAFF,
        PersonType.SUPPLY_STAFF,
    ):
        raise ServiceError("Personal devices are requested for members of staff.")
    if not _words(device) or len(_words(reason)) < 5:
        raise ServiceError("Say what the device is and why it needs the network.")
    request = DeviceRequest.objects.create(
        school=person.school,
        person=person,
        device=_words(device)[:200],
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="device_request.created",
        obj=request,
        changes=diff({}, snapshot(request, ["person", "device", "reason"])),
    )
    return request


@transaction.atomic
def device_request_decide(
    *, actor: User | None, request: DeviceRequest, approve: bool, note: str = ""
) -> DeviceRequest:
    """SLT approve or refuse a personal device request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="device_request"
    )


@transaction.atomic
def device_request_set_up(
    *, actor: User | None, request: DeviceRequest, mac_address: str, serial: str
) -> DeviceRequest:
    """Technical Support connected the approved device; its MAC and serial are kept."""
    request = DeviceRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != DeviceRequest.State.APPROVED:
        raise ServiceError("Only a device SLT have approved can be set up.")
    mac = normalise_mac(mac_address)
    if not _words(serial):
        raise ServiceError(
            "Record the device's serial number.", field_errors={"serial": ["Enter the serial."]}
        )
    request.state = DeviceRequest.State.CONNECTED
    request.mac_address, request.serial = mac, _words(serial)[:80]
    request.set_up_by, request.set_up_at = actor, timezone.now()
    request.save()
    audit_log(
        actor=actor,
        action="device_request.set_up",
        obj=request,
        changes={
            "state": ["approved", "connected"],
            "mac_address": [None, mac],
            "serial": [None, request.serial],
        },
    )
    return request


@transaction.atomic
def device_request_revoke(
    *, actor: User | None, request: DeviceRequest, note: str
) -> DeviceRequest:
    """Remove a personal device's connection; the request and its record stay."""
    request = DeviceRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != DeviceRequest.State.CONNECTED:
        raise ServiceError("Only a connected device can be disconnected.")
    old = request.state
    request.state = DeviceRequest.State.REVOKED
    request.decision_note = _words(note)[:300] or request.decision_note
    request.save()
    audit_log(
        actor=actor,
        action="device_request.revoked",
        obj=request,
        changes={"state": [old, request.state], "note": [None, note]},
    )
    return request


@transaction.atomic
def phone_request_record(
    *, actor: User | None, pupil: Person, parent: Person, reason: str, received_on: dt.date
) -> PhoneRequest:
    """Record a parent's request form for their child to bring a phone (duty "Pupils'
    phones need a parent's request", docs/policy-map.md)."""
    if pupil.person_type != PersonType.PUPIL:
        raise ServiceError("Phone requests are for pupils.")
    if not Guardianship.objects.filter(
        pupil=pupil, parent=parent, parental_responsibility=True
    ).exists():
        raise ServiceError(
            f"{parent} is not linked to {pupil} as a parent or carer with parental "
            "responsibility; only they can make the request.",
            field_errors={"parent": ["Choose a parent with parental responsibility."]},
        )
    if len(_words(reason)) < 5:
        raise ServiceError("Give the parent's reason.", field_errors={"reason": ["Give a reason."]})
    request = PhoneRequest.objects.create(
        school=pupil.school,
        pupil=pupil,
        parent=parent,
        reason=reason.strip(),
        received_on=received_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="phone_request.recorded",
        obj=request,
        changes=diff({}, snapshot(request, ["pupil", "parent", "reason", "received_on"])),
    )
    return request


@transaction.atomic
def phone_request_decide(
    *, actor: User | None, request: PhoneRequest, approve: bool, note: str = ""
) -> PhoneRequest:
    """The school approves or refuses a parent's phone request (a refusal says why)."""
    return _request_decide(
        actor=actor, request=request, approve=approve, note=note, action="phone_request"
    )


@transaction.atomic
def phone_hand_in(*, actor: User | None, request: PhoneRequest) -> PhoneHandIn:
    """The pupil hands the phone in at the office on arrival (duty "Pupils' phones need a
    parent's request", docs/policy-map.md)."""
    if request.state != PhoneRequest.State.APPROVED:
        raise ServiceError(
            f"{request.pupil} has no approved phone request; the phone cannot be kept in school."
        )
    today = timezone.localdate()
    if PhoneHandIn.objects.filter(request=request, day=today).exists():
        raise ServiceError(f"{request.pupil}'s phone was already handed in today.")
    hand_in = PhoneHandIn.objects.create(
        school=request.school,
        request=request,
        day=today,
        handed_in_at=timezone.now(),
        received_by=actor,
    )
    audit_log(
        actor=actor,
        action="phone.handed_in",
        obj=hand_in,
        changes={"pupil": [None, request.pupil_id], "day": [None, today.isoformat()]},
    )
    return hand_in


@transaction.atomic
def phone_collect(*, actor: User | None, hand_in: PhoneHandIn) -> PhoneHandIn:
    """The pupil collects the phone from the office at the end of the day."""
    hand_in = PhoneHandIn.objects.select_for_update().get(pk=hand_in.pk)
    if hand_in.collected_at is not None:
        raise ServiceError("This phone has already been collected.")
    hand_in.collected_at = timezone.now()
    hand_in.returned_by = actor
    hand_in.save(update_fields=["collected_at", "returned_by"])
    audit_log(
        actor=actor,
        action="phone.collected",
        obj=hand_in,
        changes={"collected_at": [None, hand_in.collected_at.isoformat()]},
    )
    return hand_in


@transaction.atomic
def wifi_session_start(
    *,
    actor: User | None,
    school: School,
    visitor_name: str,
    purpose: str,
    supervisor: Person,
    organisation: str = "",
    device: str = "",
    visitor: Person | None = None,
) -> GuestWifiSession:
    """Log a visitor's guest Wi-Fi access: who, why, and who supervised (duty "Guest Wi-Fi
    use logged and supervised", docs/policy-map.md)."""
    if not _words(visitor_name) or not _words(purpose):
        raise ServiceError("Give the visitor's name and why they need the Wi-Fi.")
    if supervisor.school_id != school.pk or supervisor.person_type not in (
        PersonType.TEACHING_STAFF,
        PersonType.SUPPORT_STAFF,
    ):
        raise ServiceError(
            "The supervisor is a member of staff at this school.",
            field_errors={"supervisor": ["Choose a member of staff."]},
        )
    session = GuestWifiSession.objects.create(
        school=school,
        visitor_name=_words(visitor_name)[:200],
        organisation=_words(organisation)[:200],
        visitor=visitor,
        purpose=_words(purpose)[:300],
        supervisor=supervisor,
        device=_words(device)[:200],
        started_at=timezone.now(),
        recorded_by=actor,
    )
    audit_log(
        actor=actor,
        action="guest_wifi.started",
        obj=session,
        changes=diff(
            {}, snapshot(session, ["visitor_name", "organisation", "purpose", "supervisor"])
        ),
    )
    return session


@transaction.atomic
def wifi_session_end(*, actor: User | None, session: GuestWifiSession) -> GuestWifiSession:
    """Record the end of a visitor's guest Wi-Fi access."""
    session = GuestWifiSession.objects.select_for_update().get(pk=session.pk)
    if session.ended_at is not None:
        raise ServiceError("This visitor's access has already ended.")
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    audit_log(
        actor=actor,
        action="guest_wifi.ended",
        obj=session,
        changes={"ended_at": [None, session.ended_at.isoformat()]},
    )
    return session
