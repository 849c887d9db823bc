"""Every write to agreements, versions, signatures and signing links goes through these."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from warden.agreements.drafts import check_words, draft_add, draft_change, draft_publish
from warden.agreements.links import LinkRefused, check_open, new_token, stored_hash, unknown
from warden.agreements.models import (
    NO_RENEWAL_PERIOD,
    Agreement,
    AgreementSettings,
    AgreementVersion,
    Audience,
    Method,
    Reminder,
    Signature,
    SigningLink,
    StoredStanding,
    VersionStatus,
)
from warden.agreements.rules import (
    Standing,
    State,
    audience_for,
    next_renewal,
    renewal_boundary,
    school_settings,
    standings,
    standings_at,
)
from warden.agreements.selectors import audience_standings, people_in_scope
from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.bulk import bulk_insert
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.tasks import send_email_on_commit
from warden.core.uploads import Scan
from warden.lib.names import accepted_forms
from warden.lib.names import matches as names_match
from warden.people.models import Guardianship, Person, Status

LINK_SALT = "warden.agreements.signing-link"

logger = logging.getLogger(__name__)


# --- agreements and versions -------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *, actor: User | None, school: School, audience: str, title: str = "", text: str = ""
) -> Agreement:
    """Start an agreement for an audience, with a first draft version (starter text if none)."""
    from warden.agreements.starters import STARTERS

    if audience not in Audience.values:
        raise ServiceError(f"{audience!r} is not an audience Warden knows.")
    if Agreement.objects.filter(school=school, audience=audience).exists():
        raise ServiceError(
            f"{school.name} already has an agreement for {Audience(audience).label.lower()}; "
            "write a new version of it instead.",
            field_errors={"audience": ["This audience already has an agreement."]},
        )
    starter = STARTERS[audience]
    agreement = Agreement.objects.create(
        school=school, audience=audience, title=(title or starter.title).strip()
    )
    audit_log(
        actor=actor,
        action="agreement.created",
        obj=agreement,
        changes=diff({}, snapshot(agreement)),
    )
    # Its audience now has an agreement, if nothing to sign yet.
    standings_refresh(school=school)
    version_create(
        actor=actor,
        agreement=agreement,
        label=str(timezone.localdate().year),
        text=text or starter.text,
        change_note="First version.",
    )
    return agreement


def _check_text(label: str, text: str) -> None:
    check_words(label, text, full_text="the agreement's full text")


@transaction.atomic
def version_create(
    *, actor: User | None, agreement: Agreement, label: str, text: str, change_note: str = ""
) -> AgreementVersion:
    """Add a draft version; only one draft at a time, so edits are not split across two."""
    _check_text(label, text)
    return draft_add(
        actor=actor,
        model=AgreementVersion,
        parent=agreement,
        parent_field="agreement",
        label=label,
        text=text,
        change_note=change_note,
        action="agreement_version.created",
    )


@transaction.atomic
def version_update(
    *,
    actor: User | None,
    version: AgreementVersion,
    label: str,
    text: str,
    change_note: str = "",
) -> AgreementVersion:
    """Change a draft. A published version's words are what people signed: never changed."""
    return draft_change(
        actor=actor,
        version=version,
        label=label,
        text=text,
        change_note=change_note,
        full_text="the agreement's full text",
        action="agreement_version.updated",
    )


@transaction.atomic
def version_publish(
    *, actor: User | None, version: AgreementVersion, requires_resign: bool
) -> AgreementVersion:
    """Publish a draft; with ``requires_resign`` every earlier signature stops counting."""
    first = not AgreementVersion.objects.filter(
        agreement_id=version.agreement_id, status=VersionStatus.PUBLISHED
    ).exists()
    version = draft_publish(
        actor=actor,
        version=version,
        action="agreement_version.published",
        requires_resign=requires_resign or first,
    )
    standings_refresh(school=version.school)
    return version


def latest_published(agreement: Agreement) -> AgreementVersion | None:
    return (
        agreement.versions.filter(status=VersionStatus.PUBLISHED, published_at__lte=timezone.now())
        .order_by("-number")
        .first()
    )


@transaction.atomic
def starter_agreements_install(*, actor: User | None, school: School, publish: bool = False) -> int:
    """Add every missing audience's agreement with its starter text; optionally publish."""
    added = 0
    have = set(Agreement.objects.filter(school=school).values_list("audience", flat=True))
    with standings_refresh_deferred():
        for audience in Audience.values:
            if audience in have:
                continue
            agreement = agreement_create(actor=actor, school=school, audience=audience)
            if publish:
                draft = agreement.versions.get(status=VersionStatus.DRAFT)
                version_publish(actor=actor, version=draft, requires_resign=True)
            added += 1
    return added


@transaction.atomic
def agreement_settings_update(
    *, actor: User | None, school: School, fields: Mapping[str, Any]
) -> AgreementSettings:
    """Change the renewal date, grace period, link lifetime or reminder interval."""
    allowed = {
        "renewal_month",
        "renewal_day",
        "renewal_enabled",
        "grace_days",
        "link_days",
        "reminder_days",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError(f"These settings cannot be set: {', '.join(sorted(unknown))}.")
    current, _ = AgreementSettings.objects.select_for_update().get_or_create(school=school)
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    errors: dict[str, list[str]] = {}
    if not 1 <= current.renewal_month <= 12:
        errors["renewal_month"] = ["Choose a month from 1 (January) to 12 (December)."]
    elif not 1 <= current.renewal_day <= 31:
        errors["renewal_day"] = ["Choose a day from 1 to 31."]
    if not 0 <= current.grace_days <= 90:
        errors["grace_days"] = ["Allow between 0 and 90 days' grace."]
    if not 1 <= current.link_days <= 60:
        errors["link_days"] = ["Links last between 1 and 60 days."]
    if not 1 <= current.reminder_days <= 60:
        errors["reminder_days"] = ["Remind between every 1 and every 60 days."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    changes = diff(before, snapshot(current))
    if changes:
        current.save()
        audit_log(actor=actor, action="agreement_settings.updated", obj=current, changes=changes)
    if changes.keys() & {"renewal_month", "renewal_day", "renewal_enabled", "grace_days"}:
        standings_refresh(school=school)
    return current


# --- signatures --------------------------------------------------------------------------


def _check_signable(person: Person, version: AgreementVersion) -> None:
    if not version.is_published:
        raise ServiceError(f"{version} is a draft; publish it before anyone signs it.")
    if version.school_id != person.school_id:
        raise ServiceError("The agreement belongs to another school.")
    if person.status == Status.LEFT:
        raise ServiceError(f"{person} has left the school; nothing can be signed for them.")
    audience = version.agreement.audience
    # The device loan agreement is signed by whoever borrows a device; the others by
    # their own audience only.
    if audience != Audience.DEVICE_LOAN and audience_for(person) != audience:
        raise ServiceError(
            f"{version.agreement.title} is for {Audience(audience).label.lower()}; "
            f"{person} signs the agreement for their own group."
        )
    newer = version.agreement.versions.filter(
        status=VersionStatus.PUBLISHED, number__gt=version.number
    ).exists()
    if newer:
        raise ServiceError(f"{version} has been replaced by a newer version; sign that one.")


def _check_confirmation(typed_name: str, confirmed: bool) -> str:
    typed = " ".join(typed_name.split())
    errors: dict[str, list[str]] = {}
    if len(typed) < 2:
        errors["typed_name"] = ["Type your full name as your signature."]
    if not confirmed:
        errors["confirmed"] = ["Tick the box to confirm you have read and agree to the text."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    return typed


def _check_signer(person: Person, typed_name: str) -> None:
    """AUP-03: a signature identifies who agreed, so the typed name must be the person's.

    Case, spacing and accents are forgiven (``warden.lib.names``); anything else is refused
    with the names that would be accepted.
    """
    forms = accepted_forms(
        first=person.first_name,
        last=person.last_name,
        preferred=person.preferred_name,
        title=person.title,
    )
    if names_match(typed_name, forms):
        return
    expected = person.full_name
    if person.preferred_name and person.preferred_name != person.first_name:
        expected = f"{person.first_name} {person.last_name}” or “{expected}"
    message = (
        f"The name typed, “{' '.join(typed_name.split())}”, is not {person.full_name}’s name. "
        f"The signature must be in the name of the person agreeing: type “{expected}” "
        "(capitals, spaces and accents do not matter)."
    )
    raise ServiceError(message, field_errors={"typed_name": [message]})


def renewal_period(school: School, at: dt.datetime) -> dt.date:
    """The renewal year a signature made at ``at`` counts in (see ``Signature``)."""
    boundary = renewal_boundary(school_settings(school), at)
    return boundary.date() if boundary is not None else NO_RENEWAL_PERIOD


def _check_not_signed(
    person: Person, version: AgreementVersion, counter_signs: Signature | None, period: dt.date
) -> None:
    """One valid signature per person and version in a renewal year (AUP-03)."""
    earlier = Signature.objects.filter(
        person=person, version=version, counter_signs=counter_signs, renewal_period=period
    ).first()
    if earlier is None:
        return
    what = "counter-signed" if counter_signs is not None else "signed"
    raise ServiceError(
        f"{person} already {what} {version} on "
        f"{timezone.localtime(earlier.signed_at):%d/%m/%Y}, and that signature still counts; "
        "nothing more is needed until it is due again."
    )


def _record(
    *,
    actor: User | None,
    person: Person,
    version: AgreementVersion,
    typed_name: str,
    method: str,
    ip: str | None,
    user_agent: str,
    counter_signs: Signature | None = None,
    scan: Scan | None = None,
    action: str,
) -> Signature:
    if method not in Method.values:
        raise ServiceError(f"{method!r} is not a way of signing Warden knows.")
    if method == Method.PAPER and scan is None:
        raise ServiceError(
            "Attach the scan of the signed paper form.",
            field_errors={"scan": ["Attach the scan of the signed form."]},
        )
    _check_signer(person, typed_name)
    signed_at = timezone.now()
    period: dt.date | None = None
    # The device loan agreement is signed afresh with every loan; the others once a year.
    if version.agreement.audience != Audience.DEVICE_LOAN:
        period = renewal_period(person.school, signed_at)
        _check_not_signed(person, version, counter_signs, period)
    signature = Signature(
        school=person.school,
        person=person,
        version=version,
        agreement=version.agreement,
        text_sha256=version.sha256,
        counter_signs=counter_signs,
        typed_name=typed_name,
        signed_at=signed_at,
        renewal_period=period,
        method=method,
        ip=ip or None,
        user_agent=(user_agent or "")[:400],
        recorded_by=actor,
    )
    if scan is not None:
        signature.scan_sha256 = hashlib.sha256(scan.content).hexdigest()
        signature.scan_name = scan.name[:200]
        signature.scan.save(scan.name, ContentFile(scan.content), save=False)
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:  # the same signature recorded at the same moment elsewhere
        if period is not None:
            _check_not_signed(person, version, counter_signs, period)
        raise
    audit_log(
        actor=actor,
        action=action,
        obj=signature,
        changes=diff(
            {},
            snapshot(
                signature,
                [
                    "person",
                    "version",
                    "text_sha256",
                    "counter_signs",
                    "typed_name",
                    "method",
                    "scan_sha256",
                ],
            ),
        ),
    )
    # A parent's counter-signature changes where the pupil stands.
    signer = counter_signs.person_id if counter_signs is not None else person.pk
    standings_refresh(school=person.school, people=[signer])
    return signature


@transaction.atomic
def signature_record(
    *,
    actor: User | None,
    person: Person,
    version: AgreementVersion,
    typed_name: str,
    confirmed: bool,
    method: str,
    ip: str | None = None,
    user_agent: str = "",
    scan: Scan | None = None,
) -> Signature:
    """Record that ``person`` agreed to the exact text of ``version``.

    At a desk a Warden user records it for someone present; a paper form is recorded with
    its scan (kept with its SHA-256). Signing links use ``signing_link_use``.
    """
    typed = _check_confirmation(typed_name, confirmed)
    _check_signable(person, version)
    return _record(
        actor=actor,
        person=person,
        version=version,
        typed_name=typed,
        method=method,
        ip=ip,
        user_agent=user_agent,
        scan=scan,
        action="signature.recorded",
    )


def responsible_parents(pupil: Person) -> list[Person]:
    """The pupil's linked parents and carers who hold parental responsibility."""
    links = Guardianship.objects.filter(pupil=pupil, parental_responsibility=True)
    return [link.parent for link in links.select_related("parent", "parent__school")]


def parents_to_countersign(signature: Signature) -> list[Person]:
    """The pupil's parents and carers with parental responsibility who have not yet
    counter-signed ``signature`` (whom a counter-signing link may go to)."""
    done = set(signature.counter_signatures.values_list("person_id", flat=True))
    return [parent for parent in responsible_parents(signature.person) if parent.pk not in done]


def _check_countersignable(signature: Signature, parent: Person) -> None:
    if signature.is_counter_signature or not signature.agreement.is_pupil:
        raise ServiceError("Only a pupil's own signature is counter-signed by a parent or carer.")
    if not Guardianship.objects.filter(
        pupil_id=signature.person_id, parent=parent, parental_responsibility=True
    ).exists():
        raise ServiceError(
            f"{parent} is not linked to {signature.person} as a parent or carer with parental "
            "responsibility; link them on the pupil's record first.",
            field_errors={"parent": ["Choose a parent or carer with parental responsibility."]},
        )
    if signature.counter_signatures.filter(person=parent).exists():
        raise ServiceError(f"{parent} has already counter-signed this agreement.")


@transaction.atomic
def countersignature_record(
    *,
    actor: User | None,
    signature: Signature,
    parent: Person,
    typed_name: str,
    confirmed: bool,
    method: str,
    ip: str | None = None,
    user_agent: str = "",
    scan: Scan | None = None,
) -> Signature:
    """Record a parent's or carer's counter-signature of a pupil's agreement.

    Policy duty "Parents counter-sign pupils' agreements" (docs/policy-map.md): parents sign
    with or on behalf of their child. Only a linked parent or carer with parental
    responsibility may counter-sign.
    """
    typed = _check_confirmation(typed_name, confirmed)
    signature = Signature.objects.select_related("agreement", "person", "version").get(
        pk=signature.pk
    )
    _check_countersignable(signature, parent)
    return _record(
        actor=actor,
        person=parent,
        version=signature.version,
        typed_name=typed,
        method=method,
        ip=ip,
        user_agent=user_agent,
        counter_signs=signature,
        scan=scan,
        action="signature.counter_signed",
    )


# --- signing links -----------------------------------------------------------------------


def link_url(token: str, *, root: str | None = None) -> str:
    path = reverse("agreements:public_sign", kwargs={"token": token})
    return f"{root}{path}" if root else absolute_url(path)


@transaction.atomic
def signing_link_create(
    *,
    actor: User | None,
    person: Person,
    version: AgreementVersion,
    delivery: str = "email",
    counter_signs: Signature | None = None,
    sent_to: str = "",
) -> tuple[SigningLink, str]:
    """A one-time signing link; returns it with its token, which is not stored anywhere.

    The token is random, signed with the site's key (so a mistyped one is refused before
    any lookup) and kept only as its SHA-256, so a copy of the database cannot sign.
    """
    if counter_signs is not None:
        _check_countersignable(counter_signs, person)
    else:
        _check_signable(person, version)
    settings = school_settings(person.school)
    stored, token = new_token(LINK_SALT)
    link = SigningLink.objects.create(
        school=person.school,
        person=person,
        version=version,
        counter_signs=counter_signs,
        token_hash=stored,
        delivery=delivery,
        sent_to=sent_to,
        expires_at=timezone.now() + dt.timedelta(days=settings.link_days),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="signing_link.created",
        obj=link,
        changes=diff(
            {},
            snapshot(link, ["person", "version", "counter_signs", "delivery", "expires_at"]),
        ),
    )
    return link, token


def link_for_token(token: str, *, at: dt.datetime | None = None) -> SigningLink:
    """The link a token opens, or ``LinkRefused`` saying why it cannot be used."""
    at = at or timezone.now()
    stored = stored_hash(token, salt=LINK_SALT, what="signing link")
    link = (
        SigningLink.objects.select_related(
            "school", "person", "version__agreement", "counter_signs__person"
        )
        .filter(token_hash=stored)
        .first()
    )
    if link is None:
        raise unknown("signing link")
    check_open(
        link,
        at=at,
        what="signing link",
        again="Ask the school for a new one if you need to sign again.",
    )
    signed = _signed_since_link(link)
    if signed is not None:
        what = "counter-signed" if link.counter_signs_id else "signed"
        raise LinkRefused(
            f"You {what} {link.version} on "
            f"{timezone.localtime(signed.signed_at):%d/%m/%Y}, so this link is no longer "
            "needed. There is nothing more to do.",
            gone=True,
            school=link.school,
        )
    return link


def _signed_since_link(link: SigningLink) -> Signature | None:
    """The signature that makes ``link`` unnecessary: one the person made, by any other link
    or at a desk, after the link was sent (or, for a counter-signing link, at any time)."""
    found = Signature.objects.filter(person_id=link.person_id)
    if link.counter_signs_id is not None:
        found = found.filter(counter_signs_id=link.counter_signs_id)
    else:
        found = found.filter(
            version_id=link.version_id, counter_signs=None, signed_at__gte=link.created_at
        )
    return found.order_by("signed_at").first()


@transaction.atomic
def signing_link_use(
    *, token: str, typed_name: str, confirmed: bool, ip: str | None, user_agent: str
) -> Signature:
    """Sign (or counter-sign) through a one-time link: it works once, and never once expired."""
    link = link_for_token(token)
    link = SigningLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:  # a second request that raced the first
        raise LinkRefused("This signing link has already been used.", gone=True)
    typed = _check_confirmation(typed_name, confirmed)
    person = Person.objects.select_related("school").get(pk=link.person_id)
    version = AgreementVersion.objects.select_related("agreement").get(pk=link.version_id)
    if link.counter_signs_id is not None:
        target = Signature.objects.select_related("agreement", "version").get(
            pk=link.counter_signs_id
        )
        _check_countersignable(target, person)
        signature = _record(
            actor=None,
            person=person,
            version=target.version,
            typed_name=typed,
            method=Method.LINK,
            ip=ip,
            user_agent=user_agent,
            counter_signs=target,
            action="signature.counter_signed",
        )
    else:
        _check_signable(person, version)
        signature = _record(
            actor=None,
            person=person,
            version=version,
            typed_name=typed,
            method=Method.LINK,
            ip=ip,
            user_agent=user_agent,
            action="signature.recorded",
        )
    link.used_at = signature.signed_at
    link.signature = signature
    link.save(update_fields=["used_at", "signature"])
    audit_log(
        actor=None,
        action="signing_link.used",
        obj=link,
        changes={"used_at": [None, link.used_at.isoformat()]},
    )
    return signature


def _email_link(*, link: SigningLink, url: str, reminder: bool = False) -> None:
    """E-mail one signing link to the address it was created for (``link.sent_to``)."""
    person, version = link.person, link.version
    school = person.school.name
    if link.counter_signs is not None:
        child = link.counter_signs.person.full_name
        subject = f"Please counter-sign {child}'s {version} at {school}"
        opening = (
            f"{child} has signed {version} at {school}. As a parent or carer with parental "
            f"responsibility, please read it and counter-sign it for {child}."
        )
        if reminder:
            subject = f"Reminder: {subject[0].lower()}{subject[1:]}"
    elif reminder:
        subject = f"Reminder: please sign {version} at {school}"
        opening = (
            f"You have not yet signed {version} at {school}. Access to school systems depends "
            "on a current signature."
        )
    else:
        subject = f"Please sign {version} at {school}"
        opening = f"{school} asks you to read and sign {version}."
    body = (
        f"Dear {to_name(person)},\n\n{opening}\n\nOpen this link to read the text and sign:\n"
        f"{url}\n\nThe link works once and expires on "
        f"{timezone.localtime(link.expires_at):%d/%m/%Y}. "
        "If you did not expect this message, please contact the school office.\n"
    )
    send_email_on_commit(subject=subject, body=body, to=[link.sent_to])


def to_name(person: Person) -> str:
    return f"{person.title} {person.last_name}".strip() if person.title else person.full_name


@dataclass
class SendResult:
    sent: int = 0
    without_email: int = 0
    already_current: int = 0
    refused: int = 0


@transaction.atomic
def signing_links_send(
    *,
    actor: User | None,
    version: AgreementVersion,
    people: Iterable[Person],
    root: str | None = None,
    include_current: bool = False,
) -> SendResult:
    """E-mail a one-time signing link to each person who is due (and has an e-mail address)."""
    people = list(people)
    result = SendResult()
    found = standings(version.school, people)
    for person in people:
        if not include_current and found[person.pk].is_current:
            result.already_current += 1
            continue
        if not person.email:
            result.without_email += 1
            continue
        link, token = signing_link_create(
            actor=actor, person=person, version=version, sent_to=person.email
        )
        _email_link(link=link, url=link_url(token, root=root))
        result.sent += 1
    return result


@transaction.atomic
def countersign_links_send(
    *, actor: User | None, agreement: Agreement, root: str | None = None
) -> SendResult:
    """E-mail each parent with parental responsibility a link to counter-sign for their child."""
    result = SendResult()
    # Past the grace period or not: the annotation is invisible to the type checker.
    awaiting = audience_standings(agreement).filter(**{"now_state": State.COUNTERSIGN})
    for standing in awaiting.select_related("signature__agreement", "signature__person"):
        signature = standing.shown_signature
        if signature is None:
            continue
        for parent in parents_to_countersign(signature):
            if not parent.email:
                result.without_email += 1
                continue
            link, token = signing_link_create(
                actor=actor,
                person=parent,
                version=signature.version,
                counter_signs=signature,
                sent_to=parent.email,
            )
            _email_link(link=link, url=link_url(token, root=root))
            result.sent += 1
    return result


@transaction.atomic
def countersign_links_for(
    *, actor: User | None, signature: Signature, root: str | None = None
) -> SendResult:
    """E-mail a counter-signing link to each responsible parent of one pupil's signature
    who has not counter-signed it yet."""
    result = SendResult()
    for parent in parents_to_countersign(signature):
        if not parent.email:
            result.without_email += 1
            continue
        link, token = signing_link_create(
            actor=actor,
            person=parent,
            version=signature.version,
            counter_signs=signature,
            sent_to=parent.email,
        )
        _email_link(link=link, url=link_url(token, root=root))
        result.sent += 1
    return result


def sheet_links_create(
    *, actor: User | None, version: AgreementVersion, people: Iterable[Person]
) -> list[tuple[Person, str]]:
    """Signing links for a class sheet of QR codes; ``(pupil, token)`` for each pupil."""
    with transaction.atomic():
        return [
            (p, signing_link_create(actor=actor, person=p, version=version, delivery="sheet")[1])
            for p in people
        ]


# --- reminders ---------------------------------------------------------------------------


@transaction.atomic
def reminders_send(
    *, school: School, at: dt.datetime | None = None, root: str | None = None
) -> SendResult:
    """Remind everyone who is due (and parents of pupils awaiting a counter-signature).

    Each reminder carries a fresh one-time link. Nobody is reminded about the same version
    more often than the school's reminder interval.
    """
    at = at or timezone.now()
    settings = school_settings(school)
    since = at - dt.timedelta(days=settings.reminder_days)
    people = list(people_in_scope(school, today=timezone.localdate(at)))
    found = standings(school, people, at=at)
    recent = set(
        Reminder.objects.filter(school=school, sent_at__gt=since).values_list(
            "person_id", "version_id"
        )
    )
    result = SendResult()
    reminders: list[Reminder] = []
    for person in people:
        standing = found[person.pk]
        if standing.latest is None or standing.state in (State.CURRENT, State.UNAVAILABLE):
            continue
        targets: list[tuple[Person, AgreementVersion, Signature | None]]
        if standing.state == State.COUNTERSIGN and standing.signature is not None:
            targets = [
                (parent, standing.signature.version, standing.signature)
                for parent in parents_to_countersign(standing.signature)
            ]
        else:
            targets = [(person, standing.latest, None)]
        for target, version, counter in targets:
            if (target.pk, version.pk) in recent:
                continue
            if not target.email:
                result.without_email += 1
                continue
            try:
                # One person's records (say a link broken since) must not hold up everyone
                # else's reminders; the refusal is logged and the run goes on.
                with transaction.atomic():
                    link, token = signing_link_create(
                        actor=None,
                        person=target,
                        version=version,
                        counter_signs=counter,
                        sent_to=target.email,
                    )
            except ServiceError as exc:
                logger.warning("No reminder for %s: %s", target, exc.message)
                result.refused += 1
                continue
            _email_link(link=link, url=link_url(token, root=root), reminder=True)
            recent.add((target.pk, version.pk))
            reminders.append(
                Reminder(
                    school=school, person=target, version=version, sent_to=target.email, sent_at=at
                )
            )
            result.sent += 1
    Reminder.objects.bulk_create(reminders)
    audit_log_many(
        actor=None,
        action="agreement_reminder.sent",
        items=[(r, {"person": r.person_id, "version": r.version_id}) for r in reminders],
        school=school,
    )
    return result


# --- stored standings --------------------------------------------------------------------

# What a refresh writes on each row, and compares to tell whether the row changed.
_STANDING_FIELDS = (
    "audience",
    "agreement_id",
    "state",
    "reason",
    "signature_id",
    "due_since",
    "grace_ends",
    "next_renewal",
    "state_after",
    "reason_after",
    "due_since_after",
    "grace_ends_after",
)
# A refresh of more people than this reads the whole school rather than a list of ids.
_WHOLE_SCHOOL_FROM = 1000
_BATCH = 500

# Schools (and people, or None for everyone) waiting for the end of a deferred block.
_deferred: ContextVar[dict[int, tuple[School, set[int] | None]] | None] = ContextVar(
    "agreements_deferred_refresh", default=None
)


@contextmanager
def standings_refresh_deferred() -> Iterator[None]:
    """Refresh stored standings once, when the block ends, instead of after each change in
    it (installing every starter agreement, loading the demo). Nothing is refreshed when
    the block raises: its transaction is rolled back anyway."""
    if _deferred.get() is not None:  # an outer block refreshes
        yield
        return
    token = _deferred.set({})
    try:
        yield
        pending = _deferred.get() or {}
    finally:
        _deferred.reset(token)
    for school, people in pending.values():
        standings_refresh(school=school, people=people)


@transaction.atomic
def standings_refresh(
    *,
    school: School,
    people: Iterable[Person | int] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Recompute the stored standings (``StoredStanding``) of ``people`` at ``school``, or of
    everyone there, from ``rules.standings``; returns how many rows were written or removed.

    Every service that changes a standing calls it (signatures and counter-signatures,
    publishing, agreement settings; people and their parent links through
    ``people.signals.people_changed``), and the schedule recomputes every school daily.
    Each row also keeps the rule's answer at the next renewal date, so it reads right as
    time passes without a refresh. The rows of people who have left are removed. Derived
    data, so nothing is audited.
    """
    at = at or timezone.now()
    ids = None if people is None else {p if isinstance(p, int) else p.pk for p in people}
    pending = _deferred.get()
    if pending is not None:
        _, waiting = pending.get(school.pk, (school, set()))
        merged = None if ids is None or waiting is None else waiting | ids
        pending[school.pk] = (school, merged)
        return 0
    if ids is not None and not ids:
        return 0
    if ids is not None and len(ids) >= _WHOLE_SCHOOL_FROM:
        ids = None
    _refresh_lock(school)
    in_scope = people_in_scope(school, today=timezone.localdate(at))
    stored = StoredStanding.objects.filter(school=school)
    if ids is not None:
        in_scope = in_scope.filter(pk__in=ids)
        stored = stored.filter(person_id__in=ids)
    persons = list(in_scope)
    renewal = next_renewal(school_settings(school), at)
    found = standings_at(school, persons, [at] if renewal is None else [at, renewal])
    now, later = found[0], found[1] if renewal is not None else {}
    existing = {row[0]: row[1:] for row in stored.values_list("person_id", *_STANDING_FIELDS)}
    changed = []
    for person in persons:
        values = _stored_values(now[person.pk], later.get(person.pk), renewal)
        if existing.get(person.pk) != values:
            fields = dict(zip(_STANDING_FIELDS, values, strict=True))
            changed.append(
                StoredStanding(school=school, person_id=person.pk, updated_at=at, **fields)
            )
    if existing or not _copied(changed):
        StoredStanding.objects.bulk_create(
            changed,
            batch_size=_BATCH,
            update_conflicts=True,
            unique_fields=["person"],
            update_fields=[
                "school",
                *(f.removesuffix("_id") for f in _STANDING_FIELDS),
                "updated_at",
            ],
        )
    gone = sorted(set(existing) - {p.pk for p in persons})
    for start in range(0, len(gone), _BATCH):
        StoredStanding.objects.filter(person_id__in=gone[start : start + _BATCH]).delete()
    return len(changed) + len(gone)


def _copied(rows: list[StoredStanding]) -> bool:
    """Write a school's first standings (a new school, a demo) as plain new rows: nothing
    there to update, and thousands of them. False, with nothing written, where a row is
    already kept for one of these people (under another school): the upsert then takes
    over."""
    if not rows:
        return True
    try:
        with transaction.atomic():
            bulk_insert(StoredStanding, rows)
    except IntegrityError:
        for row in rows:
            row.pk, row._state.adding = None, True
        return False
    return True


# The first key of the PostgreSQL advisory lock a refresh takes (the second is the school).
_REFRESH_LOCK = 0x5741_0001


def _refresh_lock(school: School) -> None:
    """One refresh of a school at a time, each seeing what the last one committed: a refresh
    that read the signatures before another transaction signed cannot then overwrite the
    row that transaction wrote.

    An advisory lock, not the school's row: services lock that row before their audit entry
    (record numbers) and refresh after theirs, so taking it here could deadlock. SQLite has
    one writer at a time and needs none.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REFRESH_LOCK, school.pk])


def _stored_values(
    standing: Standing, later: Standing | None, renewal: dt.datetime | None
) -> tuple[Any, ...]:
    """The values of ``_STANDING_FIELDS`` for ``standing``, with what it turns into at the
    next renewal date (``later``) when that differs."""
    now = (standing.state, standing.reason or "", standing.due_since, standing.grace_ends)
    after: tuple[Any, ...] = (None, "", "", None, None)
    if (
        later is not None
        and (later.state, later.reason or "", later.due_since, later.grace_ends) != now
    ):
        # No signature made before the renewal date counts after it.
        after = (renewal, later.state, later.reason or "", later.due_since, later.grace_ends)
    return (
        standing.audience or "",
        standing.agreement.pk if standing.agreement else None,
        standing.state,
        standing.reason or "",
        standing.signature.pk if standing.signature else None,
        standing.due_since,
        standing.grace_ends,
        *after,
    )
