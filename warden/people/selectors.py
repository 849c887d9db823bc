"""Reads of the people register that pages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from warden.core.models import School
from warden.people.models import Person, PersonType, Status

SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "type": ("person_type", "last_name", "pk"),
    "year": ("year_group", "form", "last_name", "pk"),
    "-year": ("-year_group", "form", "last_name", "pk"),
    "joining": ("joining_date", "last_name", "pk"),
    "leaving": ("leaving_date", "last_name", "pk"),
}


@dataclass(frozen=True)
class PeopleFilter:
    q: str = ""
    person_type: str = ""
    year_group: int | None = None
    status: str = ""
    form: str = ""
    sort: str = "name"


def people_list(
    school: School, f: PeopleFilter, *, by_email: bool = True, by_mis_id: bool = True
) -> QuerySet[Person]:
    """The register, filtered; the search reads e-mail and MIS id only when told it may."""
    people = Person.objects.filter(school=school).with_status()
    if f.q:
        for word in f.q.split():
            match = (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(preferred_name__icontains=word)
            )
            if by_email:
                match |= Q(email__icontains=word)
            if by_mis_id:
                match |= Q(mis_id__iexact=word)
            people = people.filter(match)
    if f.person_type:
        people = people.filter(person_type=f.person_type)
    if f.year_group is not None:
        people = people.filter(year_group=f.year_group)
    if f.status:
        people = people.filter(**{"current_status": f.status})
    if f.form:
        people = people.filter(form__iexact=f.form)
    return people.order_by(*SORTS.get(f.sort, SORTS["name"]))


def forms_at(school: School) -> list[str]:
    return list(
        Person.objects.filter(school=school, person_type=PersonType.PUPIL)
        .exclude(form="")
        .values_list("form", flat=True)
        .distinct()
        .order_by("form")
    )


@dataclass(frozen=True)
class PeopleSummary:
    by_type: list[tuple[str, int]]
    joining: list[Person]
    leaving_soon: list[Person]
    total_active: int


def people_summary(school: School, *, days: int = 30) -> PeopleSummary:
    today = timezone.localdate()
    current = Person.objects.filter(school=school).exclude(leaving_date__lt=today)
    counts = dict(
        current.values_list("person_type").annotate(n=Count("pk")).values_list("person_type", "n")
    )
    by_type = [(label, counts.get(value, 0)) for value, label in PersonType.choices]
    joining = list(
        Person.objects.filter(school=school, joining_date__gt=today).order_by("joining_date")[:10]
    )
    leaving = list(
        Person.objects.filter(
            school=school,
            leaving_date__gte=today,
            leaving_date__lte=today + dt.timedelta(days=days),
        ).order_by("leaving_date")[:10]
    )
    return PeopleSummary(
        by_type=[row for row in by_type if row[1]],
        joining=joining,
        leaving_soon=leaving,
        total_active=Person.objects.filter(school=school).in_status(Status.ACTIVE).count(),
    )
