"""Demo equipment for ``warden demo``: a register, loans, a class set, software, one loss.

Keyed by the school: a school that already has any asset is left exactly as it is, so a
second run adds nothing (not even an import record). Everything else goes through the
services and the asset import, so the demo's records are audited like real ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from django.db import transaction

from warden.agreements.rules import access_refusal
from warden.core.audit import audit_log
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.equipment.importing import assets_import
from warden.equipment.models import Asset, Loan, LoanKind, LoanState, LossKind
from warden.equipment.services.class_sets import class_set_assign, class_set_create
from warden.equipment.services.disposal import disposal_company_create
from warden.equipment.services.loans import Acceptance, loan_check_out, loan_permit
from warden.equipment.services.losses import loss_report
from warden.equipment.services.software import installation_record, product_save
from warden.people.models import STAFF_TYPES, Person

LOCATIONS = ("ICT suite", "Main office", "Year 5 classroom", "Server room", "Staff room")
PRODUCTS = (
    # name, publisher, licence, seats
    ("Microsoft 365 A3", "Microsoft", "per_user", 60),
    ("Adobe Creative Cloud", "Adobe", "per_device", 5),
    ("Purple Mash", "2Simple", "site", 0),
    ("Sophos Endpoint", "Sophos", "per_device", 50),
)


def _csv(school: School, rng: random.Random) -> bytes:
    prefix = school.slug[:3].upper()
    header = (
        "Asset tag,Type,Make,Model,Serial number,Location,Purchase date,Warranty until,"
        "Encrypted,Anti-virus,MDM,Screen lock,PIN,Security checked\r\n"
    )
    rows = []

    def row(n: int, kind: str, make: str, model: str, location: str, encrypted: bool) -> None:
        bought = dt.date(2023, 9, 1) + dt.timedelta(days=rng.randrange(500))
        warranty = bought + dt.timedelta(days=3 * 365)
        flag = "Yes" if encrypted else "No"
        rows.append(
            f"{prefix}-{n:04d},{kind},{make},{model},{prefix}{rng.randrange(10**9, 10**10)},"
            f"{location},{bought:%d/%m/%Y},{warranty:%d/%m/%Y},{flag},Yes,Yes,Yes,Yes,"
            f"{bought + dt.timedelta(days=30):%d/%m/%Y}\r\n"
        )

    for n in range(1, 11):
        row(n, "Laptop", "Dell", "Latitude 3440", "ICT suite", encrypted=n != 7)
    for n in range(11, 41):
        row(n, "Tablet", "Apple", "iPad (10th generation)", "Year 5 classroom", encrypted=True)
    row(41, "Camera", "Canon", "PowerShot SX740", "Main office", encrypted=False)
    row(42, "Camera", "Canon", "PowerShot SX740", "Main office", encrypted=False)
    row(43, "Server", "HPE", "ProLiant ML30", "Server room", encrypted=True)
    row(44, "Phone", "Samsung", "Galaxy A15", "Main office", encrypted=True)
    row(45, "Removable media", "SanDisk", "Ultra 64 GB", "Main office", encrypted=False)
    return (header + "".join(rows)).encode()


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if Asset.objects.filter(school=school).exists():
        return {}
    rng = random.Random(f"{seed}-{school.slug}-equipment")
    with transaction.atomic():
        report = assets_import(
            actor=None,
            school=school,
            data=_csv(school, rng),
            filename="demo-assets.csv",
            dry_run=False,
        )
        assets = list(Asset.objects.filter(school=school).order_by("asset_tag"))
        laptops = [a for a in assets if a.asset_type == "laptop"]
        tablets = [a for a in assets if a.asset_type == "tablet"]
        # Staff borrow only with a current acceptable-use agreement (``rules``); the first
        # eight who have one, asked one by one until eight are found.
        candidates = (
            Person.objects.filter(school=school, person_type__in=list(STAFF_TYPES))
            .exclude(leaving_date__lt=today)
            .order_by("pk")[:40]
        )
        staff = list(itertools.islice((p for p in candidates if access_refusal(p) is None), 8))
        deciders = _permission_givers(school)
        created = {"assets": report.created, "loans": 0, "class sets": 0, "software products": 0}
        for index, (person, laptop) in enumerate(zip(staff, laptops[:6], strict=False)):
            accept = Acceptance(typed_name=person.full_name, confirmed=True)
            may_leave = laptop.encrypted or not laptop.holds_personal_data
            loan = loan_check_out(
                actor=None,
                asset=laptop,
                person=person,
                due_on=None if index < 3 else today + dt.timedelta(days=7 * index),
                kind=LoanKind.ASSIGNMENT if index < 3 else LoanKind.LOAN,
                purpose="Teaching laptop" if index < 3 else "Working from home",
                acceptance=None if index == 5 else accept,
                off_site=may_leave,
            )
            if index != 5:  # one staff loan still waits for permission
                for decider in deciders:
                    if loan.state == LoanState.AWAITING_PERMISSION:
                        loan = loan_permit(actor=decider, loan=loan)
            if index == 4:
                # One loan back-dated so the overdue list has something to show (the service
                # refuses a due date in the past); audited like any change.
                overdue = today - dt.timedelta(days=5)
                Loan.objects.filter(pk=loan.pk).update(due_on=overdue)
                audit_log(
                    actor=None,
                    action="loan.due_date_changed",
                    obj=loan,
                    school=school,
                    changes={"due_on": [str(loan.due_on), str(overdue)]},
                )
            created["loans"] += 1
        class_set = class_set_create(actor=None, school=school, name="Year 5 iPad trolley")
        class_set_assign(actor=None, class_set=class_set, assets=tablets)
        created["class sets"] += 1
        products = []
        for name, publisher, licence, seats in PRODUCTS:
            products.append(
                product_save(
                    actor=None,
                    school=school,
                    fields={
                        "name": name,
                        "publisher": publisher,
                        "licence_model": licence,
                        "seats": seats,
                        "renewal_on": today + dt.timedelta(days=rng.randrange(30, 330)),
                    },
                )
            )
            created["software products"] += 1
        # Creative Cloud on more devices than seats bought: an over-allocation to find.
        for laptop in laptops[:7]:
            installation_record(actor=None, product=products[1], asset=laptop)
            installation_record(actor=None, product=products[3], asset=laptop)
        disposal_company_create(
            actor=None,
            school=school,
            name="Greenline IT Recycling Ltd",
            waste_carrier_number="CBDU990001",
            approve=True,
        )
        usb = next(a for a in assets if a.asset_type == "removable_media")
        loss_report(
            actor=None,
            asset=usb,
            kind=LossKind.LOST,
            circumstances="Not returned after the parents' evening in the hall; searched for.",
        )
        created["loss reports"] = 1
    return created


def _permission_givers(school: School) -> list[User]:
    """The demo's ICT manager and headteacher, who give staff loans their permission."""
    users = []
    for role in (Role.ICT_MANAGER, Role.HEADTEACHER):
        membership = (
            Membership.objects.filter(school=school, role=role).select_related("user").first()
        )
        if membership is not None:
            users.append(membership.user)
    return users


LOADERS = [load]
