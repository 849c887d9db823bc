"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

from typing import Any

from warden.agreements import services
from warden.agreements.models import Agreement, Audience, Method, VersionStatus
from warden.agreements.testing import parent_of, published_version
from warden.core.models import School
from warden.testing.factories import PupilFactory

MARKER = "Zebedee-Bschool"


def _agreement(b: School) -> Any:
    published_version(b, Audience.PUPIL_KS3)
    agreement = Agreement.objects.get(school=b, audience=Audience.PUPIL_KS3)
    return agreement.pk


def _version(b: School) -> Any:
    agreement = Agreement.objects.filter(school=b, audience=Audience.STAFF).first()
    if agreement is None:
        agreement = services.agreement_create(
            actor=None, school=b, audience=Audience.STAFF, title=f"{MARKER} agreement"
        )
    return agreement.versions.filter(status=VersionStatus.DRAFT).values_list("pk", flat=True)[0]


def _signature(b: School) -> Any:
    pupil = PupilFactory.create(school=b, first_name=MARKER, last_name="Pupil")
    parent_of(pupil)
    version = published_version(b, Audience.PUPIL_KS3)
    return services.signature_record(
        actor=None,
        person=pupil,
        version=version,
        typed_name=f"{MARKER} Pupil",
        confirmed=True,
        method=Method.DESK,
    ).pk


OBJECT_MAKERS = [
    ("agreement_pk", _agreement),
    ("version_pk", _version),
    ("signature_pk", _signature),
]
PUBLIC_PATTERNS = ["agreements:public_sign"]
