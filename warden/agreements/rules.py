"""The gate: does this person hold a current acceptable-use signature? One place, one answer.

Everything that asks "may this person have access?" (activating an account, the suspension
list, the "who has signed" page, the person page) goes through ``standings`` here, so the
rule and the words that explain a refusal are the same everywhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from warden.agreements.models import (
    PAST_GRACE,
    Agreement,
    AgreementSettings,
    AgreementVersion,
    Audience,
    Signature,
    StandingState,
    VersionStatus,
    standing_badge,
    standing_label,
)
from warden.core.models import School
from warden.people.models import Guardianship, Person, PersonType, Status

# Which agreement each kind of person signs (policy duty "Each person signs their own
# group's agreement", docs/policy-map.md). Pupils sign the one for their key stage;
# volunteers and contractors sign the governors' and visitors' agreement; supply staff
# their own.
TYPE_AUDIENCE: dict[str, str] = {
    PersonType.TEACHING_STAFF: Audience.STAFF,
    PersonType.SUPPORT_STAFF: Audience.STAFF,
    PersonType.SUPPLY_STAFF: Audience.SUPPLY,
    PersonType.PARENT: Audience.PARENT,
    PersonType.GOVERNOR: Audience.GOVERNOR_VISITOR,
    PersonType.VOLUNTEER: Audience.GOVERNOR_VISITOR,
    PersonType.VISITOR: Audience.GOVERNOR_VISITOR,
    PersonType.CONTRACTOR: Audience.GOVERNOR_VISITOR,
    PersonType.COMMUNITY: Audience.COMMUNITY,
}
# Year groups of each key stage (nursery is -1, reception 0).
KEY_STAGE_YEARS: dict[str, range] = {
    Audience.PUPIL_EYFS_KS1: range(-1, 3),
    Audience.PUPIL_KS2: range(3, 7),
    Audience.PUPIL_KS3: range(7, 10),
    Audience.PUPIL_KS4: range(10, 14),
}


def audience_for(person: Person) -> str | None:
    """The audience whose agreement ``person`` must sign (None: a pupil with no year group)."""
    if person.person_type == PersonType.PUPIL:
        for audience, years in KEY_STAGE_YEARS.items():
            if person.year_group is not None and person.year_group in years:
                return audience
        return None
    return TYPE_AUDIENCE.get(person.person_type)


def audience_q(audience: str) -> Q:
    """The people of an audience, as a filter on ``Person`` (the inverse of ``audience_for``)."""
    if audience in KEY_STAGE_YEARS:
        years = KEY_STAGE_YEARS[audience]
        return Q(person_type=PersonType.PUPIL, year_group__in=list(years))
    types = [t for t, a in TYPE_AUDIENCE.items() if a == audience]
    return Q(person_type__in=types) if types else Q(pk__in=[])


def school_settings(school: School) -> AgreementSettings:
    """The school's agreement settings, or the defaults when it has not changed them."""
    found = AgreementSettings.objects.filter(school=school).first()
    return found or AgreementSettings(school=school)


def renewal_boundary(settings: AgreementSettings, at: dt.datetime) -> dt.datetime | None:
    """The most recent renewal date on or before ``at`` (midnight, school time).

    Policy duty "Staff re-sign every year" (docs/policy-map.md): a signature made before
    the last renewal date no longer counts.
    """
    if not settings.renewal_enabled:
        return None
    local = at.astimezone(_school_tz(settings))
    boundary = _renewal_on(settings, local.year)
    return boundary if boundary <= local else _renewal_on(settings, local.year - 1)


def next_renewal(settings: AgreementSettings, at: dt.datetime) -> dt.datetime | None:
    """The first renewal date after ``at``: from then no signature made before ``at`` counts."""
    if not settings.renewal_enabled:
        return None
    local = at.astimezone(_school_tz(settings))
    boundary = _renewal_on(settings, local.year)
    return boundary if boundary > local else _renewal_on(settings, local.year + 1)


def _school_tz(settings: AgreementSettings) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.school.timezone or "Europe/London")


def _renewal_on(settings: AgreementSettings, year: int) -> dt.datetime:
    """Midnight, school time, of the renewal date in ``year``."""
    day = min(settings.renewal_day, calendar.monthrange(year, settings.renewal_month)[1])
    return dt.datetime(year, settings.renewal_month, day, tzinfo=_school_tz(settings))


# The states a standing can be in (the stored standings keep the same ones).
State = StandingState


@dataclass(frozen=True)
class Standing:
    """Where one person stands with their acceptable-use agreement at one moment."""

    person: Person
    audience: str | None
    agreement: Agreement | None
    latest: AgreementVersion | None  # the version someone signing now signs
    required: AgreementVersion | None  # the oldest version that still counts
    state: str
    reason: str | None  # None when current
    signature: Signature | None  # the counting signature, or the one awaiting a parent
    due_since: dt.datetime | None
    grace_ends: dt.datetime | None
    past_grace: bool

    @property
    def is_current(self) -> bool:
        return self.state == State.CURRENT

    @property
    def state_label(self) -> str:
        return standing_label(self.state, self.past_grace)

    @property
    def badge(self) -> str:
        """The badge style pages show the state in."""
        return standing_badge(self.state, self.past_grace)

    @property
    def filter_key(self) -> str:
        """The status the "who has signed" filter groups by."""
        return PAST_GRACE if self.past_grace else self.state


def _day_start(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def _fmt(moment: dt.datetime | dt.date) -> str:
    return f"{moment.day} {moment:%B %Y}"


def standings(
    school: School, people: Iterable[Person] | QuerySet[Person], *, at: dt.datetime | None = None
) -> dict[int, Standing]:
    """Each person's standing at ``at`` (now by default), in a fixed handful of queries.

    The rule: a person is current when they hold a signature, made since the last renewal
    date, of a published version of their audience's agreement no older than the latest
    version published as requiring everyone to re-sign; a pupil's signature counts only once
    a parent or carer with parental responsibility has counter-signed it (policy duty
    "Parents counter-sign pupils' agreements", docs/policy-map.md). Someone not current is
    due; once the school's grace period has passed since they fell due they are past grace.
    """
    return standings_at(school, people, [at or timezone.now()])[0]


@dataclass(frozen=True)
class _Facts:
    """What the rule reads about a school and its people, up to some moment."""

    school: School
    settings: AgreementSettings
    tz: zoneinfo.ZoneInfo
    agreements: dict[str, Agreement]
    versions: dict[int, list[AgreementVersion]]  # published, oldest first
    signatures: dict[int, list[Signature]]  # each person's own, newest first
    responsible: dict[int, set[int]]  # pupil: parents with parental responsibility
    counter: dict[int, list[tuple[int, dt.datetime]]]  # signature: (parent, when)


def standings_at(
    school: School, people: Iterable[Person] | QuerySet[Person], moments: list[dt.datetime]
) -> list[dict[int, Standing]]:
    """``standings`` at each of ``moments``, reading the database once for them all (the
    stored standings keep the answer now and at the next renewal date)."""
    people = list(people)
    until = max(moments)
    agreements = {a.audience: a for a in Agreement.objects.filter(school=school)}
    versions: dict[int, list[AgreementVersion]] = defaultdict(list)
    for version in AgreementVersion.objects.filter(
        school=school, status=VersionStatus.PUBLISHED, published_at__lte=until
    ).order_by("number"):
        versions[version.agreement_id].append(version)

    ids = [p.pk for p in people]
    signatures: dict[int, list[Signature]] = defaultdict(list)
    for sig in (
        Signature.objects.filter(
            school=school, person_id__in=ids, counter_signs__isnull=True, signed_at__lte=until
        )
        .select_related("version")
        .order_by("-signed_at", "-pk")
    ):
        signatures[sig.person_id].append(sig)
    pupil_ids = [p.pk for p in people if p.person_type == PersonType.PUPIL]
    responsible: dict[int, set[int]] = defaultdict(set)
    for pupil_id, parent_id in Guardianship.objects.filter(
        pupil_id__in=pupil_ids, parental_responsibility=True
    ).values_list("pupil_id", "parent_id"):
        responsible[pupil_id].add(parent_id)
    counter: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
    sig_ids = [s.pk for p in pupil_ids for s in signatures.get(p, [])]
    for signed_id, parent_id, signed_at in Signature.objects.filter(
        counter_signs_id__in=sig_ids, signed_at__lte=until
    ).values_list("counter_signs_id", "person_id", "signed_at"):
        counter[signed_id].append((parent_id, signed_at))
    settings = school_settings(school)
    tz = zoneinfo.ZoneInfo(school.timezone or "Europe/London")
    facts = _Facts(school, settings, tz, agreements, versions, signatures, responsible, counter)
    found: list[dict[int, Standing]] = []
    for at in moments:
        boundary = renewal_boundary(settings, at)
        found.append({p.pk: _standing(facts, p, at, boundary) for p in people})
    return found


def _standing(
    facts: _Facts, person: Person, at: dt.datetime, boundary: dt.datetime | None
) -> Standing:
    """The rule of ``standings`` for one person at ``at`` (the last renewal date then being
    ``boundary``), from what ``facts`` hold."""
    tz = facts.tz
    audience = audience_for(person)
    agreement = facts.agreements.get(audience) if audience else None
    published = [
        v
        for v in (facts.versions.get(agreement.pk, []) if agreement else [])
        if v.published_at is not None and v.published_at <= at
    ]

    def standing(state: str, reason: str | None, **extra: object) -> Standing:
        values: dict[str, object] = {
            "person": person,
            "audience": audience,
            "agreement": agreement,
            "latest": None,
            "required": None,
            "signature": None,
            "due_since": None,
            "grace_ends": None,
            "past_grace": False,
        }
        values.update(extra)
        return Standing(state=state, reason=reason, **values)  # type: ignore[arg-type]

    if audience is None:
        return standing(
            State.UNAVAILABLE,
            "no year group is recorded, so Warden cannot tell which pupils' agreement "
            "applies; record the year group first",
        )
    if not published:
        label = Audience(audience).label.lower()
        return standing(
            State.UNAVAILABLE,
            f"no acceptable-use agreement for {label} is published at {facts.school.name} yet; "
            "publish one first",
        )
    assert agreement is not None
    latest = published[-1]
    required = next((v for v in reversed(published) if v.requires_resign), published[0])
    name = f"{agreement.title} {latest.label}"

    own = [s for s in facts.signatures.get(person.pk, []) if s.signed_at <= at]
    in_date = [
        s
        for s in own
        if s.agreement_id == agreement.pk and (boundary is None or s.signed_at >= boundary)
    ]
    valid = [s for s in in_date if s.version.number >= required.number]
    counted: Signature | None = None
    awaiting: Signature | None = None
    if agreement.is_pupil:
        parents = facts.responsible.get(person.pk, set())
        counted = next(
            (
                s
                for s in valid
                if any(p in parents and when <= at for p, when in facts.counter.get(s.pk, []))
            ),
            None,
        )
        awaiting = valid[0] if valid and counted is None else None
    elif valid:
        counted = valid[0]

    if counted is not None:
        return standing(State.CURRENT, None, latest=latest, required=required, signature=counted)

    starts = [required.published_at or at]
    if boundary is not None:
        starts.append(boundary)
    if person.joining_date is not None:
        starts.append(_day_start(person.joining_date, tz))
    due_since = max(starts)
    grace_ends = due_since + dt.timedelta(days=facts.settings.grace_days)
    if awaiting is not None:
        state = State.COUNTERSIGN
        reason = (
            f"{name} signed by the pupil, but the counter-signature of a parent or carer is missing"
        )
        if not facts.responsible.get(person.pk):
            reason += "; no parent or carer with parental responsibility is linked yet"
    else:
        state = State.DUE
        reason = f"{name} not signed"
        expired = [s for s in own if s.agreement_id == agreement.pk and s not in in_date]
        if in_date:
            reason += f" (version {required.label} requires everyone to sign again)"
        elif expired and boundary is not None:
            reason += (
                f" (the signature of {_fmt(expired[0].signed_at.astimezone(tz))} expired "
                f"on the renewal date, {_fmt(boundary)})"
            )
    return standing(
        state,
        reason,
        latest=latest,
        required=required,
        signature=awaiting,
        due_since=due_since,
        grace_ends=grace_ends,
        past_grace=at >= grace_ends,
    )


def standing_of(person: Person, *, at: dt.datetime | None = None) -> Standing:
    return standings(person.school, [person], at=at)[person.pk]


def access_refusal(person: Person, *, at: dt.datetime | None = None) -> str | None:
    """None when ``person`` may have access; otherwise why not, in words they can act on.

    Implements the policy duty "No access without a current agreement", with "Staff re-sign
    every year" and "Parents counter-sign pupils' agreements" (docs/policy-map.md): a
    pupil's signature without a parent's counter-signature does not count.

    The answer reads "cannot activate: Staff acceptable-use agreement 2026 not signed",
    naming the agreement and version to sign, or saying that a counter-signature is what
    is missing. People who have left are refused too: their access ends with their stay.
    """
    if person.status == Status.LEFT:
        return f"cannot activate: {person} has left the school"
    standing = standing_of(person, at=at)
    if standing.is_current:
        return None
    return f"cannot activate: {standing.reason}"
