"""factory_boy factories for the equipment register."""

from __future__ import annotations

from typing import Any

import factory

from warden.core.models import School, User
from warden.equipment.models import (
    Asset,
    AssetType,
    DisposalCompany,
    Loan,
    LoanKind,
    Location,
    SoftwareProduct,
)
from warden.equipment.services.loans import Acceptance, loan_check_out
from warden.people.models import Person
from warden.testing.factories import SchoolFactory


class LocationFactory(factory.django.DjangoModelFactory[Location]):
    class Meta:
        model = Location

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class AssetFactory(factory.django.DjangoModelFactory[Asset]):
    class Meta:
        model = Asset

    school = factory.SubFactory(SchoolFactory)
    asset_tag = factory.Sequence(lambda n: f"WA{n:05d}")
    asset_type = AssetType.LAPTOP
    make = "Dell"
    model = "Latitude 3440"
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    holds_personal_data = True
    encrypted = True


class LaptopFactory(AssetFactory):
    pass


class TabletFactory(AssetFactory):
    asset_type = AssetType.TABLET
    make = "Apple"
    model = "iPad (10th generation)"


class DisposalCompanyFactory(factory.django.DjangoModelFactory[DisposalCompany]):
    class Meta:
        model = DisposalCompany

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Recycling Company {n} Ltd")
    waste_carrier_number = factory.Sequence(lambda n: f"CBDU{n:06d}")
    approved = True


class ProductFactory(factory.django.DjangoModelFactory[SoftwareProduct]):
    class Meta:
        model = SoftwareProduct

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    seats = 10


def signed_staff(school: School, **fields: Any) -> Person:
    """A member of staff whose staff acceptable-use agreement is current, so they may borrow."""
    from warden.agreements.testing import sign_current
    from warden.testing.factories import PersonFactory

    person = PersonFactory.create(school=school, **fields)
    sign_current(person)
    return person


def assigned_laptop(school: School, actor: User, person: Person, typed_name: str) -> Loan:
    """A new laptop assigned to ``person`` for good, its loan agreement accepted at the desk."""
    return loan_check_out(
        actor=actor,
        asset=AssetFactory.create(school=school),
        person=person,
        due_on=None,
        kind=LoanKind.ASSIGNMENT,
        acceptance=Acceptance(typed_name=typed_name, confirmed=True),
    )
