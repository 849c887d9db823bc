"""Every write to consent purposes, their texts, decisions and links goes through these."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from warden.agreements.drafts import check_words, draft_add, draft_change, draft_publish
from warden.agreements.links import LinkRefused, check_open, new_token, stored_hash, unknown
from warden.agreements.models import Method, VersionStatus
from warden.agreements.services import to_name
from warden.consent.models import (
    PUPIL_AGE_DEFAULT,
    Answer,
    Asks,
    ConsentDecision,
    ConsentLink,
    ConsentSettings,
    Purpose,
    PurposeVersion,
)
from warden.consent.rules import State, age_on, asked_again_since, consent_states
from warden.consent.signals import consent_refused
from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.tasks import send_email_on_commit
from warden.core.uploads import Scan
from warden.lib.names import accepted_forms, matches
from warden.people.models import Guardianship, Person, PersonType, Status

LINK_SALT = "warden.consent.link"
# How long a link to change one's mind lasts: "in writing at any time", so a long while.
CHANGE_LINK_DAYS = 365

logger = logging.getLogger(__name__)


def school_settings(school: School) -> ConsentSettings:
    found, _ = ConsentSettings.objects.get_or_create(school=school)
    return found


# --- purposes and their texts ------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PURPOSE_FIELDS = ("name", "summary", "asks", "pupil_from_age", "lasts_years", "position")


def _check_purpose(purpose: Purpose) -> None:
    errors: dict[str, list[str]] = {}
    if not _SLUG.match(purpose.slug):
        errors["slug"] = ["Use lower-case letters, digits and hyphens, e.g. school-website."]
    if len(purpose.name.strip()) < 3:
        errors["name"] = ["Name the purpose as parents will read it, e.g. School website."]
    if purpose.asks not in Asks.values:
        errors["asks"] = ["Choose whose consent the purpose needs."]
    if not 8 <= purpose.pupil_from_age <= 18:
        errors["pupil_from_age"] = ["Ask pupils from an age between 8 and 18 (ICO: 13)."]
    if purpose.lasts_years is not None and not 1 <= purpose.lasts_years <= 20:
        errors["lasts_years"] = ["A yes lasts 1 to 20 years; leave it empty for the whole stay."]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)


@transaction.atomic
def purpose_create(
    *,
    actor: User | None,
    school: School,
    slug: str,
    name: str,
    text: str,
    summary: str = "",
    asks: str = Asks.PARENTS,
    pupil_from_age: int = PUPIL_AGE_DEFAULT,
    lasts_years: int | None = None,
) -> Purpose:
    """Add a purpose consent is asked for, with its first draft text to publish."""
    slug = slug.strip().lower()
    if Purpose.objects.filter(school=school, slug=slug).exists():
        raise ServiceError(
            f"{school.name} already has a purpose called {slug!r}; choose another short name.",
            field_errors={"slug": ["Another purpose has this short name."]},
        )
    last = Purpose.objects.filter(school=school).aggregate(last=Max("position"))["last"]
    purpose = Purpose(
        school=school,
        slug=slug,
        name=name.strip(),
        summary=summary.strip(),
        asks=asks,
        pupil_from_age=pupil_from_age,
        lasts_years=lasts_years,
        position=(last or 0) + 1,
    )
    _check_purpose(purpose)
    purpose.save()
    audit_log(
        actor=actor,
        action="consent_purpose.created",
        obj=purpose,
        changes=diff({}, snapshot(purpose, ["slug", *_PURPOSE_FIELDS])),
    )
    version_create(
        actor=actor,
        purpose=purpose,
        label=str(timezone.localdate().year),
        text=text,
        change_note="First version.",
    )
    return purpose


@transaction.atomic
def purpose_update(*, actor: User | None, purpose: Purpose, fields: Mapping[str, Any]) -> Purpose:
    """Change whom a purpose asks, how long a yes lasts, or how it is named."""
    unknown_fields = set(fields) - set(_PURPOSE_FIELDS)
    if unknown_fields:
        raise ServiceError(f"These cannot be changed: {', '.join(sorted(unknown_fields))}.")
    purpose = Purpose.objects.select_for_update().get(pk=purpose.pk)
    before = snapshot(purpose, list(_PURPOSE_FIELDS))
    for name, value in fields.items():
        setattr(purpose, name, value.strip() if isinstance(value, str) else value)
    _check_purpose(purpose)
    changes = diff(before, snapshot(purpose, list(_PURPOSE_FIELDS)))
    if changes:
        purpose.save()
        audit_log(actor=actor, action="consent_purpose.updated", obj=purpose, changes=changes)
    return purpose


_FULL_TEXT = "what parents and carers are asked, in full"


@transaction.atomic
def version_create(
    *, actor: User | None, purpose: Purpose, label: str, text: str, change_note: str = ""
) -> PurposeVersion:
    """Add a draft text; one draft at a time, so edits are not split across two."""
    check_words(label, text, full_text=_FULL_TEXT)
    return draft_add(
        actor=actor,
        model=PurposeVersion,
        parent=purpose,
        parent_field="purpose",
        label=label,
        text=text,
        change_note=change_note,
        action="consent_version.created",
    )


@transaction.atomic
def version_update(
    *, actor: User | None, version: PurposeVersion, label: str, text: str, change_note: str = ""
) -> PurposeVersion:
    """Change a draft; a published text is what parents answered, and never changes."""
    return draft_change(
        actor=actor,
        version=version,
        label=label,
        text=text,
        change_note=change_note,
        full_text=_FULL_TEXT,
        action="consent_version.updated",
    )


@transaction.atomic
def version_publish(
    *, actor: User | None, version: PurposeVersion, asks_again: bool = False
) -> PurposeVersion:
    """Publish a draft: it supersedes the last text. With ``asks_again`` earlier answers
    stop counting and everyone is asked afresh (a change parents must agree to)."""
    return draft_publish(
        actor=actor, version=version, action="consent_version.published", asks_again=asks_again
    )


def _in_force(versions: QuerySet[PurposeVersion]) -> QuerySet[PurposeVersion]:
    """The texts among ``versions`` that have been published by now: the newest number of a
    purpose is the one in force."""
    return versions.filter(status=VersionStatus.PUBLISHED, published_at__lte=timezone.now())


def latest_published(purpose: Purpose) -> PurposeVersion | None:
    return _in_force(purpose.versions.all()).order_by("-number").first()


@transaction.atomic
def starter_purposes_install(*, actor: User | None, school: School, publish: bool = False) -> int:
    """Add every starter purpose the school lacks (``starters.STARTERS``); optionally
    publish their texts. Returns how many were added."""
    from warden.consent.starters import STARTERS

    have = set(Purpose.objects.filter(school=school).values_list("slug", flat=True))
    added = 0
    for starter in STARTERS:
        if starter.slug in have:
            continue
        purpose = purpose_create(
            actor=actor,
            school=school,
            slug=starter.slug,
            name=starter.name,
            summary=starter.summary,
            asks=starter.asks,
            text=starter.text,
        )
        if publish:
            draft = purpose.versions.get(status=VersionStatus.DRAFT)
            version_publish(actor=actor, version=draft)
        added += 1
    return added


# --- decisions ---------------------------------------------------------------------------


def answerable_purposes(school: School) -> list[tuple[Purpose, PurposeVersion]]:
    """The purposes parents are asked about now, each with the text they answer."""
    purposes = list(Purpose.objects.filter(school=school).exclude(asks=Asks.NEVER))
    # Every purpose's published texts, newest first, in one query: the first of each is the
    # one ``latest_published`` gives.
    latest: dict[int, PurposeVersion] = {}
    published = _in_force(PurposeVersion.objects.filter(purpose__in=purposes))
    for version in published.order_by("purpose_id", "-number"):
        latest.setdefault(version.purpose_id, version)
    return [(p, latest[p.pk]) for p in purposes if p.pk in latest]


def relation_of(pupil: Person, person: Person) -> str:
    """ "pupil" or "parent": how ``person`` may answer for ``pupil``, or a refusal."""
    if pupil.person_type != PersonType.PUPIL:
        raise ServiceError(f"{pupil} is not a pupil; consent is asked about pupils.")
    if pupil.status == Status.LEFT:
        raise ServiceError(f"{pupil} has left the school; nothing more is recorded for them.")
    if person.pk == pupil.pk:
        return "pupil"
    if not Guardianship.objects.filter(
        pupil=pupil, parent=person, parental_responsibility=True
    ).exists():
        raise ServiceError(
            f"{person} is not linked to {pupil} as a parent or carer with parental "
            "responsibility; link them on the pupil's record first.",
            field_errors={"decided_by": ["Choose a parent or carer with parental responsibility."]},
        )
    return "parent"


def _check_pupil_asked(purpose: Purpose, pupil: Person) -> None:
    if not purpose.asks_pupil:
        raise ServiceError(f"{purpose} asks parents and carers only, not the pupil.")
    age = age_on(pupil.date_of_birth, timezone.localdate())
    if age is None or age < purpose.pupil_from_age:
        raise ServiceError(
            f"{purpose} asks pupils from age {purpose.pupil_from_age}; {pupil} is not yet asked."
        )


def _check_typed_name(person: Person, typed_name: str, confirmed: bool) -> str:
    """The answer is in writing: the name typed must be the answering person's own."""
    typed = " ".join(typed_name.split())
    forms = accepted_forms(
        first=person.first_name,
        last=person.last_name,
        preferred=person.preferred_name,
        title=person.title,
    )
    if not matches(typed, forms):
        message = (
            f"Type {person.full_name}'s own name to confirm the answers "
            "(capitals, spaces and accents do not matter)."
        )
        raise ServiceError(message, field_errors={"typed_name": [message]})
    if not confirmed:
        message = "Tick the box to confirm these are your answers."
        raise ServiceError(message, field_errors={"confirmed": [message]})
    return typed


@dataclass(frozen=True)
class Given:
    """How an answer reached the school, kept with each decision."""

    method: str
    typed_name: str
    actor: User | None = None
    ip: str | None = None
    user_agent: str = ""
    note: str = ""
    scan: Scan | None = None


def _latest_answer(pupil: Person, purpose: Purpose, person: Person) -> str | None:
    """The person's answer that counts now (none given since the wording asked again)."""
    found = ConsentDecision.objects.filter(pupil=pupil, purpose=purpose, decided_by=person)
    since = asked_again_since(purpose, timezone.now())
    if since is not None:
        found = found.filter(decided_at__gte=since)
    return found.order_by("-decided_at", "-pk").values_list("answer", flat=True).first()


def _one(
    *,
    pupil: Person,
    person: Person,
    relation: str,
    purpose: Purpose,
    version: PurposeVersion,
    answer: str,
    given: Given,
    scan_fields: Mapping[str, Any],
) -> ConsentDecision | None:
    """Record one answer unless it repeats the person's latest; a no after a yes is a
    withdrawal. Sends ``consent_refused`` when the purpose turns refused for the pupil."""
    if relation == "pupil":
        _check_pupil_asked(purpose, pupil)
    latest = _latest_answer(pupil, purpose, person)
    if answer == Answer.NO and latest == Answer.YES:
        answer = Answer.WITHDRAWN
    if answer == Answer.WITHDRAWN and latest != Answer.YES:
        answer = Answer.NO  # nothing to withdraw: the answer is a plain no
    if latest == answer or (latest == Answer.WITHDRAWN and answer == Answer.NO):
        return None
    before = consent_states(pupil.school, purpose, [pupil.pk])[pupil.pk].state
    decision = ConsentDecision(
        school=pupil.school,
        pupil=pupil,
        purpose=purpose,
        version=version,
        text_sha256=version.sha256,
        decided_by=person,
        answer=answer,
        typed_name=given.typed_name,
        decided_at=timezone.now(),
        method=given.method,
        ip=given.ip or None,
        user_agent=given.user_agent[:400],
        recorded_by=given.actor,
        note=given.note[:300],
        **scan_fields,
    )
    decision.save()
    audit_log(
        actor=given.actor,
        action="consent_decision.recorded",
        obj=decision,
        changes=diff(
            {},
            snapshot(
                decision,
                ["pupil", "purpose", "version", "decided_by", "answer", "method", "scan_sha256"],
            ),
        ),
    )
    after = consent_states(pupil.school, purpose, [pupil.pk])[pupil.pk].state
    if before in (State.GRANTED, State.PENDING) and after == State.REFUSED:
        consent_refused.send(
            sender=ConsentDecision,
            school=pupil.school,
            pupil=pupil,
            purpose=purpose,
            decision=decision,
        )
    return decision


@transaction.atomic
def decisions_record(
    *,
    pupil: Person,
    person: Person,
    answers: Mapping[str, str],
    given: Given,
    confirmed: bool,
) -> list[ConsentDecision]:
    """Record ``person``'s answers about ``pupil``: ``answers`` maps purpose slugs to "yes",
    "no" or "withdrawn" ("" leaves a purpose as it was).

    Each answer is a new row; an answer that repeats the person's latest one adds nothing,
    and a no after a yes is recorded as a withdrawal, which counts at once (policy duty
    "Consent asked on admission and withdrawn at any time": parents or carers may withdraw
    permission, in writing, at any time). At a desk or from
    a paper form (kept with its SHA-256) a Warden user records it; links use
    ``consent_link_use``.
    """
    if given.method not in Method.values:
        raise ServiceError(f"{given.method!r} is not a way of answering Warden knows.")
    if given.method == Method.PAPER and given.scan is None:
        raise ServiceError(
            "Attach the scan of the signed consent form.",
            field_errors={"scan": ["Attach the scan of the signed form."]},
        )
    relation = relation_of(pupil, person)
    typed = _check_typed_name(person, given.typed_name, confirmed)
    given = replace(given, typed_name=typed)
    chosen = {slug: a for slug, a in answers.items() if a}
    bad = {a for a in chosen.values() if a not in Answer.values}
    if bad:
        raise ServiceError(f"Answer yes or no, not {', '.join(sorted(bad))}.")
    open_now = {p.slug: (p, v) for p, v in answerable_purposes(pupil.school)}
    missing = sorted(set(chosen) - set(open_now))
    if missing:
        raise ServiceError(
            f"Nothing is asked about {', '.join(missing)} at {pupil.school.name}: "
            "publish the purpose's text first."
        )
    if not chosen:
        raise ServiceError("Choose yes or no for at least one purpose.")
    scan_fields: dict[str, Any] = {}
    if given.scan is not None:
        scan_fields["scan_sha256"] = hashlib.sha256(given.scan.content).hexdigest()
        scan_fields["scan_name"] = given.scan.name[:200]
    recorded = []
    for slug, answer in chosen.items():
        purpose, version = open_now[slug]
        decision = _one(
            pupil=pupil,
            person=person,
            relation=relation,
            purpose=purpose,
            version=version,
            answer=answer,
            given=given,
            scan_fields=scan_fields,
        )
        if decision is not None:
            recorded.append(decision)
    if given.scan is not None and recorded:
        # One scan for the form: stored once, named on each decision it carries.
        first = recorded[0]
        first.scan.save(given.scan.name, ContentFile(given.scan.content), save=False)
        ConsentDecision.objects.filter(pk__in=[d.pk for d in recorded]).update(scan=first.scan.name)
    return recorded


# --- links -------------------------------------------------------------------------------


def link_url(token: str, *, root: str | None = None) -> str:
    path = reverse("consent:public_answer", kwargs={"token": token})
    return f"{root}{path}" if root else absolute_url(path)


@transaction.atomic
def consent_link_create(
    *,
    actor: User | None,
    pupil: Person,
    person: Person,
    delivery: str = "email",
    sent_to: str = "",
    reason: str = "request",
    days: int | None = None,
) -> tuple[ConsentLink, str]:
    """A one-time link for ``person`` to answer every purpose for ``pupil``; returns it with
    its token, which is kept nowhere (``agreements.links``)."""
    relation_of(pupil, person)
    stored, token = new_token(LINK_SALT)
    lifetime = days or school_settings(pupil.school).link_days
    link = ConsentLink.objects.create(
        school=pupil.school,
        pupil=pupil,
        person=person,
        token_hash=stored,
        delivery=delivery,
        sent_to=sent_to,
        reason=reason,
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="consent_link.created",
        obj=link,
        changes=diff({}, snapshot(link, ["pupil", "person", "delivery", "reason", "expires_at"])),
    )
    return link, token


def link_for_token(token: str, *, at: dt.datetime | None = None) -> ConsentLink:
    """The link a token opens, or ``LinkRefused`` saying why it cannot be used."""
    stored = stored_hash(token, salt=LINK_SALT, what="consent link")
    link = (
        ConsentLink.objects.select_related("school", "pupil", "person")
        .filter(token_hash=stored)
        .first()
    )
    if link is None:
        raise unknown("consent link")
    check_open(
        link,
        at=at or timezone.now(),
        what="consent link",
        again="The school e-mailed you a new link to change your answers later.",
    )
    if link.pupil.status == Status.LEFT:
        raise LinkRefused(
            f"{link.pupil.full_name} has left the school; nothing more is asked.",
            gone=True,
            school=link.school,
        )
    return link


@transaction.atomic
def consent_link_use(
    *,
    token: str,
    answers: Mapping[str, str],
    typed_name: str,
    confirmed: bool,
    ip: str | None,
    user_agent: str,
    root: str | None = None,
) -> list[ConsentDecision]:
    """Answer through a one-time link. It then works no more, and the person is e-mailed a
    fresh link to change their answers or withdraw later."""
    found = link_for_token(token)
    link = ConsentLink.objects.select_for_update().get(pk=found.pk)
    if link.used_at is not None:  # a second request that raced the first
        raise LinkRefused("This consent link has already been used.", gone=True)
    pupil = Person.objects.select_related("school").get(pk=link.pupil_id)
    person = Person.objects.select_related("school").get(pk=link.person_id)
    given = Given(Method.LINK, typed_name, ip=ip, user_agent=user_agent)
    recorded = decisions_record(
        pupil=pupil, person=person, answers=answers, given=given, confirmed=confirmed
    )
    if not recorded:
        # Every answer repeats the person's latest: the link stays theirs to use.
        raise ServiceError(
            "Nothing has changed: your answers are the ones the school already holds. "
            "Choose a different answer to change one, or close this page."
        )
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    audit_log(
        actor=None,
        action="consent_link.used",
        obj=link,
        changes={"used_at": [None, link.used_at.isoformat()]},
    )
    address = link.sent_to or person.email
    if address:
        _send(pupil, person, address, reason="change", root=root, actor=None)
    return recorded


_SUBJECTS = {
    "admission": "Consent for photographs of {pupil} at {school}",
    "request": "Consent for photographs of {pupil} at {school}",
    "reminder": "Reminder: consent for photographs of {pupil} at {school}",
    "change": "Your consent answers for {pupil} at {school}",
}


def _send(
    pupil: Person,
    person: Person,
    address: str,
    *,
    reason: str,
    root: str | None,
    actor: User | None,
) -> ConsentLink:
    days = CHANGE_LINK_DAYS if reason == "change" else None
    link, token = consent_link_create(
        actor=actor, pupil=pupil, person=person, sent_to=address, reason=reason, days=days
    )
    school = pupil.school.name
    about = "yourself" if person.pk == pupil.pk else pupil.full_name
    if reason == "change":
        opening = (
            f"Thank you: {school} has your answers about photographs and video of {about}. "
            "You may change them or withdraw your consent at any time; it counts at once."
        )
        action = "Open this link to see your answers and change or withdraw them"
    else:
        opening = (
            f"{school} asks whether photographs, video and work of {about} may be used in "
            "school displays, on the website, in the press and elsewhere. Each use is asked "
            "about separately, and nothing is used until you say yes."
        )
        action = "Open this link to read what each use means and answer"
    body = (
        f"Dear {to_name(person)},\n\n{opening}\n\n{action}:\n{link_url(token, root=root)}\n\n"
        f"The link works once and expires on {timezone.localtime(link.expires_at):%d/%m/%Y}. "
        "If you did not expect this message, please contact the school office.\n"
    )
    subject = _SUBJECTS[reason].format(pupil=about, school=school)
    send_email_on_commit(subject=subject, body=body, to=[address])
    return link


@dataclass
class SendResult:
    sent: int = 0
    without_email: int = 0
    nothing_to_ask: int = 0


def outstanding(school: School, pupils: Iterable[Person]) -> dict[tuple[int, int], list[str]]:
    """``(pupil id, person id)`` to the purposes that person has not answered for that
    pupil (only purposes with a published text); one query a purpose."""
    ids = [p.pk for p in pupils]
    waiting: dict[tuple[int, int], list[str]] = {}
    for purpose, _ in answerable_purposes(school):
        for pupil_id, found in consent_states(school, purpose, ids).items():
            for answerer in found.answerers:
                if answerer.answer is None:
                    waiting.setdefault((pupil_id, answerer.person_id), []).append(purpose.name)
    return waiting


@transaction.atomic
def consent_requests_send(
    *,
    actor: User | None,
    pupils: Iterable[Person],
    reason: str = "request",
    only_never_asked: bool = False,
    root: str | None = None,
) -> SendResult:
    """E-mail each parent or carer (and pupil, where a purpose asks them) who has not
    answered every purpose a link to answer; with ``only_never_asked``, only those who
    were never sent one for that pupil (the admission pack)."""
    pupils = [p for p in pupils if p.person_type == PersonType.PUPIL and p.status != Status.LEFT]
    result = SendResult()
    if not pupils:
        return result
    school = pupils[0].school
    waiting = outstanding(school, pupils)
    asked = set()
    if only_never_asked:
        asked = set(
            ConsentLink.objects.filter(pupil__in=pupils).values_list("pupil_id", "person_id")
        )
    people = Person.objects.in_bulk({person_id for _, person_id in waiting})
    by_pk = {p.pk: p for p in pupils}
    for (pupil_id, person_id), _purposes in sorted(waiting.items()):
        if (pupil_id, person_id) in asked:
            continue
        person = people[person_id]
        if not person.email:
            result.without_email += 1
            continue
        _send(by_pk[pupil_id], person, person.email, reason=reason, root=root, actor=actor)
        result.sent += 1
    result.nothing_to_ask = len(pupils) - len({pupil_id for pupil_id, _ in waiting})
    return result


@dataclass(frozen=True)
class Slip:
    """A printed slip: one parent's (or pupil's) one-time link for one pupil, as a QR code
    to take home in a book bag when there is no e-mail address (or no reply)."""

    pupil: Person
    person: Person
    token: str
    purposes: list[str]


@transaction.atomic
def sheet_links_create(*, actor: User | None, pupils: Iterable[Person]) -> list[Slip]:
    """A one-time link, delivered on paper, for everyone who has not answered every purpose
    for each of ``pupils``; by form, then pupil, then contact order."""
    pupils = [p for p in pupils if p.person_type == PersonType.PUPIL and p.status != Status.LEFT]
    if not pupils:
        return []
    waiting = outstanding(pupils[0].school, pupils)
    people = Person.objects.in_bulk({person_id for _, person_id in waiting})
    by_pk = {p.pk: p for p in pupils}
    slips = []
    for (pupil_id, person_id), purposes in waiting.items():
        _, token = consent_link_create(
            actor=actor, pupil=by_pk[pupil_id], person=people[person_id], delivery="sheet"
        )
        slips.append(Slip(by_pk[pupil_id], people[person_id], token, purposes))
    return sorted(
        slips, key=lambda s: (s.pupil.form, s.pupil.last_name, s.pupil.first_name, s.person.pk)
    )


@transaction.atomic
def reminders_send(
    *, school: School, at: dt.datetime | None = None, root: str | None = None
) -> SendResult:
    """Remind everyone asked who has not answered every purpose, at most once in the
    school's reminder interval, each with a fresh link."""
    at = at or timezone.now()
    since = at - dt.timedelta(days=school_settings(school).reminder_days)
    links = ConsentLink.objects.filter(school=school).exclude(reason="change")
    last_sent: dict[tuple[int, int], dt.datetime] = {}
    for pupil_id, person_id, created in links.values_list("pupil_id", "person_id", "created_at"):
        key = (pupil_id, person_id)
        last_sent[key] = max(created, last_sent.get(key, created))
    pupils = list(
        Person.objects.filter(pk__in={pupil_id for pupil_id, _ in last_sent})
        .with_status(timezone.localdate(at))
        .exclude(**{"current_status": Status.LEFT})
        .select_related("school")
    )
    waiting = outstanding(school, pupils)
    by_pk = {p.pk: p for p in pupils}
    people = Person.objects.in_bulk({person_id for _, person_id in waiting})
    result = SendResult()
    reminded = []
    for key in sorted(waiting):
        if key not in last_sent or last_sent[key] > since:
            continue
        person = people[key[1]]
        if not person.email:
            result.without_email += 1
            continue
        link = _send(by_pk[key[0]], person, person.email, reason="reminder", root=root, actor=None)
        reminded.append((link, {"person": person.pk, "pupil": key[0]}))
        result.sent += 1
    audit_log_many(
        actor=None,
        action="consent_reminder.sent",
        items=[(link, changes) for link, changes in reminded],
        school=school,
    )
    return result


def admission_packs_send(*, school: School, person_ids: Iterable[int]) -> SendResult:
    """When pupils join or gain a parent link, ask every parent or carer never asked yet
    (policy duty "Consent asked on admission and withdrawn at any time": consent is
    collected on the child's first admission)."""
    pupils = list(
        Person.objects.filter(school=school, pk__in=list(person_ids), person_type=PersonType.PUPIL)
        .with_status()
        .exclude(**{"current_status": Status.LEFT})
        .select_related("school")
    )
    if not pupils:
        return SendResult()
    return consent_requests_send(
        actor=None, pupils=pupils, reason="admission", only_never_asked=True
    )
