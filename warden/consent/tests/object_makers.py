"""School-B objects for the cross-school walk (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

from typing import Any

from warden.consent import services
from warden.consent.models import Purpose
from warden.consent.testing import answer, family, purposes_published
from warden.core.models import School
from warden.testing.factories import PupilFactory

MARKER = "Zebedee-Bschool"


def _purpose(b: School) -> Any:
    purposes_published(b)
    return Purpose.objects.get(school=b, slug="website").pk


def _text(b: School) -> Any:
    purposes_published(b)
    purpose = Purpose.objects.get(school=b, slug="press")
    draft = purpose.versions.filter(status="draft").first()
    if draft is None:
        draft = services.version_create(
            actor=None, purpose=purpose, label=MARKER, text=f"{MARKER} words parents read. " * 3
        )
    return draft.pk


def _pupil(b: School) -> Any:
    purposes_published(b)
    pupil = PupilFactory.create(school=b, first_name=MARKER, last_name="Pupil")
    first, _second = family(pupil)
    answer(pupil, first, "website", "yes")
    return pupil.pk


OBJECT_MAKERS = [
    ("purpose_pk", _purpose),
    ("text_pk", _text),
    ("pupil_pk", _pupil),
]
PUBLIC_PATTERNS = ["consent:public_answer"]
