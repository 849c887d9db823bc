"""What the incident page modules share: page size and the people to choose from."""

from __future__ import annotations

from django.db.models import QuerySet

from warden.core.models import School
from warden.people.models import Person

PAGE_SIZE = 50


def school_people(school: School) -> QuerySet[Person]:
    return Person.objects.filter(school=school).order_by("last_name", "first_name", "pk")
