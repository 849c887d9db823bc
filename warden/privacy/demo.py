"""Demo data protection for ``warden demo``: a stolen unencrypted laptop whose breach is open
with its clock running, a closed breach with its decision and lessons, the processors
register (the systems pupils use approved, one record missing, one waiting), two encrypted
USB drives (one wiped) and an off-site permission.

Keyed by the school: a school with any processor record is left as it is. Everything goes
through the services, so the demo's records are audited like real ones.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from warden.accounts.models import System
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.core.uploads import Scan
from warden.equipment.models import Asset, AssetType, WipingMethod
from warden.equipment.services.assets import asset_create
from warden.equipment.services.losses import loss_report
from warden.people.models import STAFF_TYPES, Person
from warden.privacy.models import DataCategory, ProcessorRecord, StorageRegion
from warden.privacy.services import breaches
from warden.privacy.services.media import media_wipe_record, off_site_permission_grant
from warden.privacy.services.processors import processor_record_approve, processor_record_save

# (system, processor, categories, storage, approved); the systems not named here (the SEND
# area, remote access) have no record yet, so the register shows them missing.
PROCESSORS = (
    ("Network sign-in", "The school (on site)", ["contact", "credentials"], "uk", True),
    ("E-mail", "Microsoft Ireland Operations Ltd", ["contact", "credentials"], "eea", True),
    ("Cloud suite", "Google Cloud EMEA Ltd", ["contact", "images"], "eea", True),
    ("Learning platform", "Classwork Online Ltd", ["contact", "attainment"], "uk", True),
    (
        "MIS",
        "MIS Provider Ltd",
        ["identifiers", "attendance", "health", "safeguarding"],
        "uk",
        False,
    ),
)


def _user(school: School, role: str) -> User | None:
    found = Membership.objects.filter(school=school, role=role).select_related("user").first()
    return found.user if found else None


def _scan(name: str) -> Scan:
    return Scan(name=name, content=f"%PDF-1.4 demo {name}".encode())


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if ProcessorRecord.objects.filter(school=school).exists():
        return {}
    siro = _user(school, Role.SIRO)
    head = _user(school, Role.HEADTEACHER)
    technician = _user(school, Role.TECHNICIAN)
    if siro is None or head is None:
        return {}
    created = {"processor records": 0, "data breaches": 0}
    with transaction.atomic():
        systems = {s.name: s for s in System.objects.filter(school=school)}
        for name, processor, categories, storage, approved in PROCESSORS:
            system = systems.get(name)
            if system is None:
                continue
            record = processor_record_save(
                actor=siro,
                system=system,
                processor_name=processor,
                data_categories=[DataCategory(c) for c in categories],
                storage=StorageRegion(storage),
                dpa_signed_on=today - dt.timedelta(days=400),
                dpia_on=today - dt.timedelta(days=390),
                # The MIS's DPIA review is overdue: the register flags it.
                dpia_review_on=today + dt.timedelta(days=300 if approved else -20),
                dpa_scan=_scan("contract.pdf"),
                dpia_scan=_scan("dpia.pdf"),
            )
            if approved:
                processor_record_approve(actor=siro, record=record, approved=True)
            created["processor records"] += 1
        # The closed breach: a class list e-mailed to the wrong parent, decided and closed.
        closed = breaches.breach_open(
            actor=siro,
            school=school,
            title="Class list e-mailed to the wrong parent",
            description="A Year 4 class list with pupils' dates of birth went to one parent.",
            aware_at=timezone.now() - dt.timedelta(days=40),
        )
        breaches.breach_assess(
            actor=siro,
            breach=closed,
            data_description="Names and dates of birth of 28 pupils.",
            categories=[DataCategory.CONTACT, DataCategory.IDENTIFIERS],
            people_affected=28,
            likelihood="remote",
            harm="minimal",
            containment="contained",
        )
        breaches.breach_decide(
            actor=siro,
            breach=closed,
            decision="not_reportable",
            reasons="The parent deleted the e-mail at once and confirmed it in writing; no "
            "risk to the pupils' rights and freedoms is likely.",
        )
        breaches.breach_inform(
            actor=siro,
            breach=closed,
            party="parents",
            detail="The families of the class",
            informed_on=today - dt.timedelta(days=39),
            how="letter",
        )
        breaches.breach_close(
            actor=siro,
            breach=closed,
            lessons="Class lists go out only from the MIS's messaging, never as attachments.",
        )
        created["data breaches"] += 1
        # The open breach: a laptop with personal data, not encrypted, stolen this morning.
        laptop = (
            Asset.objects.filter(school=school, asset_type=AssetType.LAPTOP, encrypted=False)
            .exclude(state__in=["lost", "stolen", "disposed", "written_off"])
            .first()
        )
        if laptop is not None:
            loss_report(
                actor=technician or siro,
                asset=laptop,
                kind="stolen",
                circumstances="Taken from a car outside a teacher's home; reported to the police.",
                happened_at=timezone.now() - dt.timedelta(hours=14),
            )
            created["data breaches"] += 1
        drives = [
            asset_create(
                actor=technician,
                school=school,
                fields={
                    "asset_tag": f"{school.slug[:3].upper()}-USB{n}",
                    "asset_type": AssetType.REMOVABLE_MEDIA,
                    "make": "Kingston",
                    "model": "IronKey Vault Privacy 50",
                    "serial": f"{school.slug[:3].upper()}IK{seed}{n}",
                    "encrypted": True,
                },
            )
            for n in (1, 2)
        ]
        media_wipe_record(actor=technician, asset=drives[0], method=WipingMethod.CRYPTO_ERASE)
        staff = (
            Person.objects.filter(school=school, person_type__in=sorted(STAFF_TYPES))
            .exclude(leaving_date__lt=today)
            .order_by("pk")
            .first()
        )
        if staff is not None:
            off_site_permission_grant(
                actor=head,
                school=school,
                person=staff,
                data_description="Year 6 assessment data",
                purpose="Marking moderation at the trust's other school",
                starts_on=today,
                ends_on=today + dt.timedelta(days=14),
                device=drives[1],
            )
            created["off-site permissions"] = 1
    return created


LOADERS = [load]
