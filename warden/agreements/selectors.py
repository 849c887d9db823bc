"""Reads of agreements and signatures that pages, tasks and other areas share."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from warden.agreements.models import (
    PAST_GRACE,
    Agreement,
    AgreementVersion,
    Audience,
    Signature,
    StoredStanding,
    StoredStandingQuerySet,
)
from warden.agreements.rules import audience_q
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


def stored_standings(
    school: School | Iterable[School], *, at: dt.datetime | None = None
) -> StoredStandingQuerySet:
    """Everyone at the school (or schools) who is here or about to be, with their stored
    standing as it reads at ``at`` (now by default; see ``StoredStandingQuerySet.at``).

    Someone whose leaving date has passed since their row was written is out already: the
    same test as ``people_in_scope``, made in the same query.
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    rows = StoredStanding.objects.all()
    people = Person.objects.all()
    if isinstance(school, School):
        rows, people = rows.filter(school=school), people.filter(school=school)
    else:
        schools = list(school)
        rows, people = rows.filter(school__in=schools), people.filter(school__in=schools)
    # Those who have left are few and found by the ``people_leaving`` index: leaving them
    # out is far cheaper than joining every person to test their leaving date (a trust's
    # roll-up counts every row of every school).
    return rows.exclude(person__in=people.filter(leaving_date__lt=today).values("pk")).at(at)


def past_grace_standings(
    school: School, *, at: dt.datetime | None = None, q: str = ""
) -> StoredStandingQuerySet:
    """The stored standings of everyone past the grace period, by surname, one query.

    For lists that page and search (the accounts area's suspension list): each row has
    ``person`` and ``past_grace_reason``, the sentence naming what is missing and the day
    the grace period ended; ``q`` narrows to people whose names or MIS id match.
    """
    at = at or timezone.now()
    rows = stored_standings(school, at=at).past_grace(at).select_related("person")
    return _search(rows, q).order_by("person__last_name", "person__first_name", "person_id")


def people_past_grace(school: School, *, at: dt.datetime | None = None) -> list[tuple[Person, str]]:
    """Who has gone past the grace period without a current signature, and why.

    For the accounts area's suspension list: each pair is the person and a sentence naming
    the missing agreement and version (or the missing counter-signature) and the day the
    grace period ended. Ordered by surname.
    """
    return [(row.person, row.past_grace_reason) for row in past_grace_standings(school, at=at)]


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
_STATE_ORDER = {PAST_GRACE: 0, "countersign": 1, "due": 2, "unavailable": 3, "current": 4}


def _search(rows: StoredStandingQuerySet, q: str) -> StoredStandingQuerySet:
    """Rows whose person matches every word of ``q`` (a name, or an MIS id exactly)."""
    for word in q.split():
        rows = rows.filter(
            Q(person__first_name__icontains=word)
            | Q(person__last_name__icontains=word)
            | Q(person__preferred_name__icontains=word)
            | Q(person__mis_id__iexact=word)
        )
    return rows


def audience_standings(
    agreement: Agreement, f: SignerFilter | None = None, *, at: dt.datetime | None = None
) -> StoredStandingQuerySet:
    """Where each member of the agreement's audience stands: filtered, searched and sorted
    in SQL (by name unless ``f.sort`` says otherwise), ready to page."""
    f = f or SignerFilter()
    at = at or timezone.now()
    rows = (
        stored_standings(agreement.school, at=at)
        .filter(audience=agreement.audience)
        .select_related("person", "signature__version")
    )
    if f.year_group is not None:
        rows = rows.filter(person__year_group=f.year_group)
    if f.form:
        rows = rows.filter(person__form__iexact=f.form)
    rows = _search(rows, f.q)
    if f.status:
        rows = rows.filter(**{"status": f.status})  # an annotation the type checker cannot see
    name = ["person__last_name", "person__first_name", "person_id"]
    if f.sort == "-name":
        return rows.order_by(*(f"-{field}" for field in name))
    if f.sort == "status":
        order = Case(*(When(Q(("status", k)), then=Value(n)) for k, n in _STATE_ORDER.items()))
        return rows.order_by(order, *name)
    if f.sort in ("signed", "-signed"):
        # Only a signature that still counts (or awaits a parent) has a date to sort by.
        signed = Case(When(renewed=True, then=None), default=F("signature__signed_at"))
        key = signed.desc(nulls_last=True) if f.sort == "-signed" else signed.asc(nulls_last=True)
        return rows.order_by(key, *name)
    return rows.order_by(*name)


def school_summary(school: School, *, at: dt.datetime | None = None) -> dict[str, Counter[str]]:
    """``{agreement title: Counter(status)}`` for the dashboard panel, in one query."""
    return schools_summary([school], at=at).get(school.pk, {})


def schools_summary(
    schools: Iterable[School], *, at: dt.datetime | None = None
) -> dict[int, dict[str, Counter[str]]]:
    """``{school id: school_summary(school)}`` for several schools (a trust's roll-up), in
    one query however many schools there are; a school without agreements is left out."""
    counts = (
        stored_standings(list(schools), at=at)
        .filter(agreement__isnull=False)
        .values(*["school_id", "agreement__title", "status"])  # "status" is annotated
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[int, dict[str, Counter[str]]] = {}
    for row in counts:
        summary = found.setdefault(row["school_id"], {})
        summary.setdefault(row["agreement__title"], Counter())[row["status"]] += row["n"]
    return {pk: dict(sorted(summary.items())) for pk, summary in found.items()}


def signatures_of(person: Person) -> QuerySet[Signature]:
    """A person's signatures and counter-signatures, with what they signed."""
    return (
        Signature.objects.filter(person=person)
        .select_related("version", "agreement", "recorded_by", "counter_signs__person")
        .prefetch_related("counter_signatures__person")
        .order_by("-signed_at", "-pk")
    )
