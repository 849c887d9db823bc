"""Training confirmed by the person: a one-time link e-mailed to someone who must take a
course, which they open without signing in to say when they completed it.

The link is made, read and refused by ``agreements.links``, as signing and consent links
are, so it works once, expires, and is stored only as its hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from warden.agreements.links import LinkRefused, check_open, new_token, stored_hash, unknown
from warden.agreements.services import to_name
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import User
from warden.core.tasks import send_email_on_commit
from warden.governance.models import Completion, Course, Method, TrainingDue, TrainingLink
from warden.governance.services.training import completions_record
from warden.lib.names import accepted_forms, matches
from warden.people.models import Person

LINK_SALT = "warden.governance.training_link"
LINK_DAYS = 14
WHAT = "training link"


def link_url(token: str, *, root: str | None = None) -> str:
    path = reverse("governance:training_confirm", kwargs={"token": token})
    return f"{root}{path}" if root else absolute_url(path)


@dataclass
class SendResult:
    sent: int = 0
    without_email: list[str] | None = None


@transaction.atomic
def training_links_send(
    *,
    actor: User | None,
    course: Course,
    people: Sequence[Person],
    root: str | None = None,
) -> SendResult:
    """E-mail each of ``people`` (who must take ``course``) a link to confirm they completed
    it; those without an e-mail address are named in the result and sent nothing."""
    if not people:
        raise ServiceError(
            "Choose who to ask.", field_errors={"people": ["Choose at least one person."]}
        )
    due = set(
        TrainingDue.objects.filter(course=course, person__in=list(people)).values_list(
            "person_id", flat=True
        )
    )
    not_due = sorted(str(p) for p in people if p.pk not in due)
    if not_due:
        message = f"{course} is not set for {', '.join(not_due)}; leave them out."
        raise ServiceError(message, field_errors={"people": [message]})
    result = SendResult(without_email=[])
    for person in people:
        if not person.email:
            assert result.without_email is not None
            result.without_email.append(str(person))
            continue
        link, token = _link_create(actor=actor, course=course, person=person)
        body = (
            f"Dear {to_name(person)},\n\n{course.school.name} keeps a record of the training "
            f"staff and governors complete. Please confirm when you completed “{course}”:\n"
            f"{link_url(token, root=root)}\n\nThe link works once and expires on "
            f"{timezone.localtime(link.expires_at):%d/%m/%Y}. If you have not completed it, "
            "ignore this message and speak to the school office.\n"
        )
        send_email_on_commit(
            subject=f"Confirm your training: {course} at {course.school.name}",
            body=body,
            to=[link.sent_to],
        )
        result.sent += 1
    return result


def _link_create(*, actor: User | None, course: Course, person: Person) -> tuple[TrainingLink, str]:
    stored, token = new_token(LINK_SALT)
    link = TrainingLink.objects.create(
        school=course.school,
        person=person,
        course=course,
        token_hash=stored,
        sent_to=person.email,
        expires_at=timezone.now() + dt.timedelta(days=LINK_DAYS),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action="training_link.sent",
        obj=link,
        changes=diff({}, snapshot(link, ["person", "course", "sent_to", "expires_at"])),
    )
    return link, token


def link_for_token(token: str, *, at: dt.datetime | None = None) -> TrainingLink:
    """The link a token opens, or ``LinkRefused`` saying why it cannot be used."""
    stored = stored_hash(token, salt=LINK_SALT, what=WHAT)
    link = (
        TrainingLink.objects.select_related("school", "person", "course")
        .filter(token_hash=stored)
        .first()
    )
    if link is None:
        raise unknown(WHAT)
    check_open(
        link,
        at=at or timezone.now(),
        what=WHAT,
        again="Your training is recorded; ask the school office to correct it if needed.",
    )
    return link


def _check_name(person: Person, typed_name: str) -> None:
    names = {
        "first": person.first_name,
        "last": person.last_name,
        "preferred": person.preferred_name,
        "title": person.title,
    }
    if not matches(typed_name, accepted_forms(**names)):
        message = (
            f"Type {person.full_name}'s own name to confirm "
            "(capitals, spaces and accents do not matter)."
        )
        raise ServiceError(message, field_errors={"typed_name": [message]})


@transaction.atomic
def training_link_use(*, token: str, typed_name: str, completed_on: dt.date) -> Completion:
    """Confirm through a one-time link that its person completed its course on a day; the
    completion is recorded as confirmed by the person, and the link works no more."""
    found = link_for_token(token)
    link = TrainingLink.objects.select_for_update().get(pk=found.pk)
    if link.used_at is not None:  # a second request that raced the first
        raise LinkRefused(f"This {WHAT} has already been used.", gone=True, school=found.school)
    person, course = found.person, found.course
    _check_name(person, typed_name)
    (completion,) = completions_record(
        actor=None,
        course=course,
        people=[person],
        completed_on=completed_on,
        note=f"Confirmed through a link by “{' '.join(typed_name.split())}”",
        method=Method.CONFIRMED,
    )
    link.used_at = timezone.now()
    link.completion = completion
    link.save(update_fields=["used_at", "completion"])
    audit_log(
        actor=None,
        action="training_link.used",
        obj=link,
        changes={
            "used_at": [None, link.used_at.isoformat()],
            "completed_on": [None, completed_on.isoformat()],
        },
    )
    return completion
