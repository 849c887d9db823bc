"""School-B objects for the cross-school test: one maker per URL keyword of this area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from warden.accounts.models import System
from warden.core.models import School
from warden.equipment.models import Asset, AssetType
from warden.privacy.models import (
    Breach,
    BreachAction,
    BreachSource,
    OffSitePermission,
    ProcessorRecord,
    StorageRegion,
)
from warden.testing.factories import PersonFactory, UserFactory

MARKER = "Zebedee-Bschool"


def _breach(b: School) -> Breach:
    now = timezone.now()
    number = Breach.objects.filter(school=b).count() + 1
    return Breach.objects.create(
        school=b,
        number=number,
        title=MARKER,
        description=MARKER,
        source=BreachSource.MANUAL,
        opened_at=now,
        aware_at=now,
    )


def _action(b: School) -> Any:
    return BreachAction.objects.create(
        school=b,
        breach=_breach(b),
        text=MARKER,
        owner=UserFactory.create(),
        added_at=timezone.now(),
    ).pk


def _record(b: School) -> Any:
    count = System.objects.filter(school=b).count()
    system = System.objects.create(school=b, name=f"{MARKER} system {count}")
    return ProcessorRecord.objects.create(
        school=b, system=system, processor_name=MARKER, storage=StorageRegion.UK
    ).pk


def _media(b: School) -> Any:
    count = Asset.objects.filter(school=b).count()
    return Asset.objects.create(
        school=b,
        asset_tag=f"{MARKER}-USB{count}",
        asset_type=AssetType.REMOVABLE_MEDIA,
        make=MARKER,
    ).pk


def _off_site(b: School) -> Any:
    today = timezone.localdate()
    return OffSitePermission.objects.create(
        school=b,
        person=PersonFactory.create(school=b, first_name=MARKER, last_name="Marker"),
        data_description=MARKER,
        purpose=MARKER,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        granted_at=timezone.now(),
    ).pk


OBJECT_MAKERS = [
    ("data_breach_pk", lambda b: _breach(b).pk),
    ("data_breach_action_pk", _action),
    ("processor_record_pk", _record),
    ("removable_pk", _media),
    ("off_site_pk", _off_site),
]
