"""May this pupil appear? The one answer for every purpose, in words a person can act on.

Policy duties "Images published only with parents' written consent" and "No pupil's full
name beside their image" (docs/policy-map.md): images of pupils are published only with
parents' written opt-in consent, valid only when every parent with parental responsibility
has consented; either may withdraw in writing at any time, and a withdrawal counts at once.
A pupil's full name never appears with their image ("name with image" is a purpose that is
never allowed). A purpose may ask the pupil too from an age (ICO guidance: 13), and a yes
may last a set number of years.

``consent_states`` works out every pupil's state for one purpose with two queries (the
responsible parents with each one's latest decision, then the pupils); ``refusals`` is what
other areas ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone

from warden.agreements.models import VersionStatus
from warden.consent.models import (
    Answer,
    ConsentDecision,
    ConsentLink,
    Purpose,
    PurposeVersion,
    years_later,
)
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.people.models import Guardianship, Person


class State(models.TextChoices):
    GRANTED = "granted", "Granted"
    PENDING = "pending", "Waiting"
    REFUSED = "refused", "Refused"
    NEVER = "never", "Never allowed"


@dataclass(frozen=True)
class Answerer:
    """Someone whose consent counts for a pupil, and where their answer stands."""

    person_id: int
    name: str
    relation: str  # "parent" or "pupil"
    answer: str | None  # the latest counting answer, None when none
    at: dt.datetime | None
    asked: bool
    lapsed_at: dt.datetime | None = None  # a yes that has run out


@dataclass
class PupilConsent:
    """One pupil's consent for one purpose: the state, the reason in words that name no one
    (teachers read them), and each answerer's part (for staff who may see parents)."""

    pupil_id: int
    state: str
    reason: str
    answerers: list[Answerer] = field(default_factory=list)
    decided_by: str = ""  # who refused, for staff who may see it
    decided_at: dt.datetime | None = None

    @property
    def may_appear(self) -> bool:
        return self.state == State.GRANTED


def purpose_by_slug(school: School, slug: str) -> Purpose:
    """The school's purpose ``slug``, or a ``ServiceError`` naming the ones it has."""
    purpose = Purpose.objects.filter(school=school, slug=slug).first()
    if purpose is None:
        known = ", ".join(Purpose.objects.filter(school=school).values_list("slug", flat=True))
        raise ServiceError(
            f"{school.name} has no consent purpose {slug!r}. "
            f"Its purposes are: {known or 'none yet (install the starter purposes)'}."
        )
    return purpose


def asked_again_since(purpose: Purpose, at: dt.datetime) -> dt.datetime | None:
    """When the latest version that asks everyone again was published (answers before it
    no longer count), as of ``at``."""
    found = PurposeVersion.objects.filter(
        purpose=purpose, status=VersionStatus.PUBLISHED, asks_again=True, published_at__lte=at
    ).aggregate(latest=Max("published_at"))
    return found["latest"]


def _day(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def age_on(born: dt.date | None, day: dt.date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _latest(
    purpose: Purpose, at: dt.datetime, since: dt.datetime | None, pupil: str, person: str
) -> tuple[Subquery, Subquery, Exists]:
    """Subqueries for the latest counting answer (and its time) of ``person`` about
    ``pupil``, and whether a link has asked them."""
    decisions = ConsentDecision.objects.filter(
        purpose=purpose,
        pupil_id=OuterRef(pupil),
        decided_by_id=OuterRef(person),
        decided_at__lte=at,
    )
    if since is not None:
        decisions = decisions.filter(decided_at__gte=since)
    decisions = decisions.order_by("-decided_at", "-pk")
    asked = ConsentLink.objects.filter(
        pupil_id=OuterRef(pupil), person_id=OuterRef(person), created_at__lte=at
    )
    return (
        Subquery(decisions.values("answer")[:1]),
        Subquery(decisions.values("decided_at")[:1]),
        Exists(asked),
    )


def consent_states(
    school: School,
    purpose: Purpose,
    pupil_ids: Collection[int],
    *,
    at: dt.datetime | None = None,
) -> dict[int, PupilConsent]:
    """Every pupil's consent for ``purpose`` at ``at`` (now by default).

    Granted only when every required answerer's latest answer is yes (and has not run out);
    one no or withdrawal refuses at once, naming when; otherwise it waits, saying for whom.
    """
    at = at or timezone.now()
    ids = list(dict.fromkeys(pupil_ids))
    if purpose.is_never:
        reason = f"{purpose.name} is never allowed"
        return {pk: PupilConsent(pk, State.NEVER, reason) for pk in ids}
    since = asked_again_since(purpose, at)
    answer, answered_at, asked = _latest(purpose, at, since, "pupil_id", "parent_id")
    links = (
        Guardianship.objects.filter(school=school, pupil_id__in=ids, parental_responsibility=True)
        .annotate(answer=answer, answered_at=answered_at, asked=asked)
        .values_list(
            "pupil_id",
            "parent_id",
            "parent__title",
            "parent__first_name",
            "parent__last_name",
            "answer",
            "answered_at",
            "asked",
        )
        .order_by("pupil_id", "contact_priority", "pk")
    )
    answerers: dict[int, list[Answerer]] = {pk: [] for pk in ids}
    for pupil_id, parent_id, title, first, last, ans, when, was_asked in links:
        name = " ".join(p for p in (title, first, last) if p)
        answerers[pupil_id].append(
            _answerer(purpose, parent_id, name, "parent", ans, when, was_asked, at)
        )
    if purpose.asks_pupil:
        answer, answered_at, asked = _latest(purpose, at, since, "pk", "pk")
        pupils = (
            Person.objects.filter(school=school, pk__in=ids)
            .annotate(answer=answer, answered_at=answered_at, asked=asked)
            .values_list(
                "pk", "first_name", "last_name", "date_of_birth", "answer", "answered_at", "asked"
            )
        )
        today = timezone.localtime(at).date()
        for pk, first, last, born, ans, when, was_asked in pupils:
            age = age_on(born, today)
            if age is not None and age >= purpose.pupil_from_age:
                answerers[pk].append(
                    _answerer(purpose, pk, f"{first} {last}", "pupil", ans, when, was_asked, at)
                )
    return {pk: _decide(pk, answerers[pk], since) for pk in ids}


def _answerer(
    purpose: Purpose,
    person_id: int,
    name: str,
    relation: str,
    answer: str | None,
    when: dt.datetime | None,
    asked: bool,
    at: dt.datetime,
) -> Answerer:
    lapsed = None
    if answer == Answer.YES and when is not None and purpose.lasts_years:
        ends = years_later(when, purpose.lasts_years)
        if ends <= at:
            lapsed, answer = ends, None
    return Answerer(person_id, name, relation, answer, when, asked or when is not None, lapsed)


def _decide(pupil_id: int, answerers: list[Answerer], since: dt.datetime | None) -> PupilConsent:
    if not answerers:
        return PupilConsent(
            pupil_id,
            State.REFUSED,
            "No parent or carer with parental responsibility is on record",
        )
    refusals = [a for a in answerers if a.answer in (Answer.NO, Answer.WITHDRAWN)]
    if refusals:
        first = min(refusals, key=lambda a: a.at or dt.datetime.max.replace(tzinfo=dt.UTC))
        verb = "Withdrawn" if first.answer == Answer.WITHDRAWN else "Refused"
        who = "the pupil" if first.relation == "pupil" else "a parent"
        assert first.at is not None
        return PupilConsent(
            pupil_id,
            State.REFUSED,
            f"{verb} by {who} on {_day(first.at)}",
            answerers,
            decided_by=first.name,
            decided_at=first.at,
        )
    waiting = [a for a in answerers if a.answer != Answer.YES]
    if not waiting:
        return PupilConsent(pupil_id, State.GRANTED, "", answerers)
    lapsed = [a for a in waiting if a.lapsed_at is not None]
    if lapsed:
        ended = min(a.lapsed_at for a in lapsed if a.lapsed_at is not None)
        reason = f"Consent ran out on {_day(ended)}"
    elif since is not None and not any(a.at for a in answerers):
        reason = f"Asked again: the wording changed on {_day(since)}"
    elif not any(a.asked for a in answerers):
        reason = "Never asked"
    else:
        parents = [a for a in answerers if a.relation == "parent"]
        waiting_parents = [a for a in waiting if a.relation == "parent"]
        parts = []
        if waiting_parents:
            noun = "parent" if len(parents) == 1 else "parents"
            parts.append(f"{len(waiting_parents)} of {len(parents)} {noun}")
        if any(a.relation == "pupil" for a in waiting):
            parts.append("the pupil")
        reason = f"Waiting for {' and '.join(parts)}"
    return PupilConsent(pupil_id, State.PENDING, reason, answerers)


def refusals(
    school: School,
    purpose_slug: str,
    pupil_ids: Collection[int],
    *,
    at: dt.datetime | None = None,
) -> dict[int, str]:
    """For each pupil who may NOT appear for the purpose, why, in words that name no one
    ("Refused by a parent on 3 Dec 2026", "Waiting for 1 of 2 parents", "Never asked",
    "Name with image is never allowed"). Pupils absent from the answer may appear. An
    unknown purpose raises ``ServiceError``."""
    purpose = purpose_by_slug(school, purpose_slug)
    found = consent_states(school, purpose, pupil_ids, at=at)
    return {pk: c.reason for pk, c in found.items() if not c.may_appear}
