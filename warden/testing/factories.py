"""factory_boy factories for the foundation's models."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from warden.core.models import Membership, School, Trust, User
from warden.people.models import Person, PersonType

PASSWORD = "Correct-Horse-42"


class TrustFactory(factory.django.DjangoModelFactory[Trust]):
    class Meta:
        model = Trust
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class SchoolFactory(factory.django.DjangoModelFactory[School]):
    class Meta:
        model = School
        django_get_or_create = ("slug",)

    trust = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")

    @factory.post_generation
    def password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


def member(user: User, school: School | None, role: str, trust: Trust | None = None) -> Membership:
    trust = trust or (school.trust if school else None)
    assert trust is not None
    membership, _ = Membership.objects.get_or_create(
        user=user, school=school, role=role, trust=trust
    )
    return membership


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    school = factory.SubFactory(SchoolFactory)
    person_type = PersonType.TEACHING_STAFF
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    joining_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=400))


class PupilFactory(PersonFactory):
    person_type = PersonType.PUPIL
    year_group = 7
    form = "7A"
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=12 * 366))
    mis_id = factory.Sequence(lambda n: f"P{n:05d}")
