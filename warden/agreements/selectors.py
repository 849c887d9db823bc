"""Reads of agreements and signatures that pages, tasks and other areas share."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from warden.agreements.models import Agreement, AgreementVersion, Audience, Signature
from warden.agreements.rules import Standing, audience_q, standings
from warden.core.models import School
from warden.people.models import Person, PersonType, Status


def people_in_scope(school: School, *, today: dt.date | None = None) -> QuerySet[Person]:
    """Everyone at the school who is here or about to be (people who have left are out)."""
    return (
        Person.objects.filter(school=school)
        .with_status(today)
        .exclude(**{"current_status": Status.LEFT})
        .select_related("school")
    )


def audience_people(
    agreement: Agreement, *, year_group: int | None = None, form: str = ""
) -> QuerySet[Person]:
    """Everyone in ``agreement``'s audience, narrowed to a year group or form if given.

    Parents and carers have no year group of their own: for the parents' agreement, "Year 7"
    means the parents and carers of pupils in Year 7 (and a form likewise).
    """

    def in_group(found: QuerySet[Person]) -> QuerySet[Person]:
        if year_group is not None:
            found = found.filter(year_group=year_group)
        return found.filter(form__iexact=form) if form else found

    people = people_in_scope(agreement.school).filter(audience_q(agreement.audience))
    if agreement.audience == Audience.PARENT and (year_group is not None or form):
        pupils = Person.objects.filter(school=agreement.school, person_type=PersonType.PUPIL)
        people = people.filter(
            children_links__pupil__in=in_group(pupils),
            children_links__parental_responsibility=True,
        ).distinct()
    else:
        people = in_group(people)
    return people.order_by("form", "last_name", "first_name", "pk")


def people_past_grace(school: School, *, at: dt.datetime | None = None) -> list[tuple[Person, str]]:
    """Who has gone past the grace period without a current signature, and why.

    For the accounts area's suspension list: each pair is the person and a sentence naming
    the missing agreement and version (or the missing counter-signature) and the day the
    grace period ended. Ordered by surname.
    """
    at = at or timezone.now()
    people = list(people_in_scope(school, today=timezone.localdate(at)))
    found = standings(school, people, at=at)
    result: list[tuple[Person, str]] = []
    for person in people:
        standing = found[person.pk]
        if standing.past_grace and standing.grace_ends is not None:
            ended = timezone.localtime(standing.grace_ends).date()
            result.append((person, f"{standing.reason}; grace period ended {ended:%d/%m/%Y}"))
    return result


def agreements_overview(school: School) -> list[Agreement]:
    """Every agreement of a school with its versions, newest first."""
    return list(
        Agreement.objects.filter(school=school)
        .prefetch_related(
            Prefetch("versions", queryset=AgreementVersion.objects.order_by("-number"))
        )
        .annotate(signature_count=Count("signatures", filter=Q(signatures__counter_signs=None)))
        .order_by("audience")
    )


def missing_audiences(school: School) -> list[tuple[str, str]]:
    have = set(Agreement.objects.filter(school=school).values_list("audience", flat=True))
    return [(a.value, a.label) for a in Audience if a.value not in have]


@dataclass(frozen=True)
class SignerFilter:
    status: str = ""  # current / due / countersign / past_grace
    year_group: int | None = None
    form: str = ""
    q: str = ""
    sort: str = "name"  # name / -name / status / signed / -signed


# The order states sort in: the people needing action first.
_STATE_ORDER = {"past_grace": 0, "countersign": 1, "due": 2, "unavailable": 3, "current": 4}


def audience_standings(
    agreement: Agreement, f: SignerFilter | None = None, *, at: dt.datetime | None = None
) -> list[Standing]:
    """Where each member of the agreement's audience stands, filtered, ordered by name."""
    f = f or SignerFilter()
    people = people_in_scope(agreement.school).filter(audience_q(agreement.audience))
    if f.year_group is not None:
        people = people.filter(year_group=f.year_group)
    if f.form:
        people = people.filter(form__iexact=f.form)
    for word in f.q.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(mis_id__iexact=word)
        )
    people_list = list(people.order_by("last_name", "first_name", "pk"))
    found = standings(agreement.school, people_list, at=at)
    rows = [found[p.pk] for p in people_list]
    if f.status:
        rows = [r for r in rows if r.filter_key == f.status]
    if f.sort == "-name":
        rows.reverse()
    elif f.sort == "status":
        rows.sort(key=lambda r: _STATE_ORDER.get(r.filter_key, 9))
    elif f.sort in ("signed", "-signed"):
        signed = [r for r in rows if r.signature is not None]
        unsigned = [r for r in rows if r.signature is None]
        signed.sort(
            key=lambda r: r.signature.signed_at if r.signature else 0, reverse=f.sort == "-signed"
        )
        rows = signed + unsigned
    return rows


def school_summary(school: School, *, at: dt.datetime | None = None) -> dict[str, Counter[str]]:
    """``{audience label: Counter(status)}`` for the dashboard panel."""
    people = list(people_in_scope(school))
    found = standings(school, people, at=at)
    summary: dict[str, Counter[str]] = {}
    for standing in found.values():
        if standing.agreement is None:
            continue
        summary.setdefault(standing.agreement.title, Counter())[standing.filter_key] += 1
    return dict(sorted(summary.items()))


def signatures_of(person: Person) -> QuerySet[Signature]:
    """A person's signatures and counter-signatures, with what they signed."""
    return (
        Signature.objects.filter(person=person)
        .select_related("version", "agreement", "recorded_by", "counter_signs__person")
        .prefetch_related("counter_signatures__person")
        .order_by("-signed_at", "-pk")
    )
