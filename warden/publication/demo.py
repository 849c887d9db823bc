"""Demo media register, recording permissions and posts for ``warden demo``.

Keyed by the school: a school that already has a media set is left as it is. Everything
goes through the services (and the consent services for the answers), so the records are
audited like real ones: a set past retention listed by the daily job, a set with a pupil
whose parent withdrew consent, a current and an expired recording permission, and posts
waiting for the social-media team.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.db import transaction
from django.utils import timezone

from warden.agreements.models import Method
from warden.consent import services as consent
from warden.consent.models import Purpose
from warden.core.audit import audit_log
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.core.uploads import Scan
from warden.people.models import STAFF_TYPES, Guardianship, Person, PersonType
from warden.publication.models import Channel, MediaSet, RecordingPermission
from warden.publication.services.media import media_set_record, retention_flag
from warden.publication.services.posts import post_submit, social_account_add
from warden.publication.services.recording import recording_permit


def demo_png() -> bytes:
    """A small, valid PNG (one grey pixel) standing in for a photograph."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def _user(school: School, role: str) -> User | None:
    found = Membership.objects.filter(school=school, role=role).select_related("user").first()
    return found.user if found else None


def _with_parents(school: School, count: int) -> list[tuple[Person, list[Person]]]:
    """The first ``count`` pupils by surname, each with the parents who hold parental
    responsibility (in contact order)."""
    links = Guardianship.objects.filter(
        school=school, parental_responsibility=True, pupil__person_type=PersonType.PUPIL
    )
    order = ("pupil__last_name", "pupil_id")
    first = links.order_by(*order).values_list("pupil_id", flat=True).distinct()[:count]
    found: dict[int, tuple[Person, list[Person]]] = {}
    chosen = links.filter(pupil_id__in=list(first)).select_related("pupil", "parent")
    for link in chosen.order_by(*order, "contact_priority"):
        found.setdefault(link.pupil_id, (link.pupil, []))[1].append(link.parent)
    return list(found.values())


def _answer(pupil: Person, parent: Person, slug: str, given: str, actor: User | None) -> None:
    consent.decisions_record(
        pupil=pupil,
        person=parent,
        answers={slug: given},
        given=consent.Given(Method.DESK, parent.full_name, actor=actor),
        confirmed=True,
    )


@transaction.atomic
def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if MediaSet.objects.filter(school=school).exists():
        return {}
    teacher = _user(school, Role.TEACHER)
    head = _user(school, Role.HEADTEACHER)
    office = _user(school, Role.OFFICE)
    families = _with_parents(school, 3)
    if teacher is None or head is None or len(families) < 3:
        return {}
    consent.starter_purposes_install(actor=None, school=school, publish=True)
    purposes = {p.slug: p for p in Purpose.objects.filter(school=school)}
    created = {"media sets": 0, "recording permissions": 0, "posts": 0}

    # Both parents of the first pupils agree to the website and displays.
    for pupil, parents in families[:3]:
        for parent in parents:
            for slug in ("website", "displays", "social-media"):
                if consent.latest_published(purposes[slug]) is not None:
                    _answer(pupil, parent, slug, "yes", office)
    pupils = [pupil for pupil, _ in families[:3]]
    media_set_record(
        actor=teacher,
        school=school,
        title=f"Sports day {today.year - 4}",
        location=f"Media Drive/{today.year - 4}/Sports day",
        purpose=purposes["displays"],
        taken_on=today.replace(year=today.year - 4, month=7, day=10),
        pupils=pupils,
    )
    media_set_record(
        actor=teacher,
        school=school,
        title="Science week",
        location="https://drive.example.org/media/science-week",
        purpose=purposes["website"],
        taken_on=today - dt.timedelta(days=20),
        pupils=pupils,
    )
    created["media sets"] = 2
    retention_flag(school=school, today=today)
    # One parent withdraws consent for the website: both sets with the pupil are listed.
    withdrawn, parents = families[0]
    _answer(withdrawn, parents[0], "website", "withdrawn", office)

    staff = list(
        Person.objects.filter(school=school, person_type__in=STAFF_TYPES).order_by("pk")[:2]
    )
    if staff:
        recording_permit(
            actor=head,
            staff=staff[0],
            device="personal iPhone",
            conditions="Residential trip only; images moved to the Media Drive the same day.",
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
        )
        created["recording permissions"] += 1
    if len(staff) > 1:
        expired = RecordingPermission.objects.create(
            school=school,
            staff=staff[1],
            device="personal Android phone",
            conditions="Sports day only; deleted from the phone once uploaded.",
            valid_from=today - dt.timedelta(days=60),
            valid_until=today - dt.timedelta(days=59),
            agreed_by=head,
            agreed_at=timezone.now() - dt.timedelta(days=61),
        )
        audit_log(
            actor=head,
            action="recording.permitted",
            obj=expired,
            changes={"valid_until": [None, expired.valid_until.isoformat()]},
        )
        created["recording permissions"] += 1

    social_account_add(actor=head, school=school, name="Facebook page")
    image = Scan(name="science-week.png", content=demo_png())
    post_submit(
        actor=teacher,
        school=school,
        channel=Channel.WEBSITE,
        text="Science week: our classes built rockets and tested them on the field.",
        pupils=pupils[1:],
        images=[image],
    )
    post_submit(
        actor=teacher,
        school=school,
        channel=Channel.WEBSITE,
        text="More photographs from science week.",
        pupils=[withdrawn],
        images=[image],
    )
    created["posts"] = 2
    return created


LOADERS = [load]
