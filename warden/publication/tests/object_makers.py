"""School-B objects for the cross-school test: one maker per URL keyword of this area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from warden.consent.models import Purpose
from warden.core.models import School, User
from warden.publication.models import (
    MediaSet,
    Post,
    PostImage,
    PostState,
    RecordingPermission,
    Removal,
)
from warden.testing.factories import PersonFactory, UserFactory

MARKER = "Zebedee-Bschool"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _user(b: School) -> User:
    return UserFactory.create(username=f"{MARKER}-{User.objects.count()}")


def _purpose(b: School) -> Purpose:
    found = Purpose.objects.filter(school=b, slug="website").first()
    return found or Purpose.objects.create(school=b, slug="website", name=f"{MARKER} website")


def _set(b: School) -> MediaSet:
    return MediaSet.objects.create(
        school=b,
        title=MARKER,
        location=f"Media Drive/{MARKER}",
        purpose=_purpose(b),
        taken_on=timezone.localdate(),
        recorded_at=timezone.now(),
    )


def _removal(b: School) -> Any:
    return Removal.objects.create(
        school=b,
        media_set=_set(b),
        kind=Removal.Kind.RETENTION,
        reason=MARKER,
        raised_at=timezone.now(),
    ).pk


def _recording(b: School) -> Any:
    today = timezone.localdate()
    return RecordingPermission.objects.create(
        school=b,
        staff=PersonFactory.create(school=b, first_name=MARKER, last_name="Marker"),
        device=MARKER,
        conditions=MARKER,
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
        agreed_by=_user(b),
        agreed_at=timezone.now(),
    ).pk


def _post(b: School) -> Post:
    return Post.objects.create(
        school=b,
        channel="website",
        text=MARKER,
        state=PostState.SUBMITTED,
        submitted_by=_user(b),
        submitted_at=timezone.now(),
    )


def _image(b: School) -> Any:
    image = PostImage(school=b, post=_post(b), name="b.png", sha256="0" * 64)
    image.file.save("b.png", ContentFile(PNG), save=False)
    image.save()
    return image.pk


OBJECT_MAKERS = [
    ("media_pk", lambda b: _set(b).pk),
    ("removal_pk", _removal),
    ("recording_pk", _recording),
    ("post_pk", lambda b: _post(b).pk),
    ("image_pk", _image),
]
