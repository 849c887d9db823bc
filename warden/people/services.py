"""Every write to the people register goes through these services."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.fields import set_fields
from warden.core.models import School, User
from warden.people.models import (
    Guardianship,
    Person,
    PersonType,
)
from warden.people.signals import people_changed, person_leaving

# Fields a person record may be given through forms, imports and the demo.
EDITABLE_FIELDS = (
    "person_type",
    "mis_id",
    "upn",
    "title",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "year_group",
    "form",
    "job_title",
    "organisation",
    "joining_date",
    "leaving_date",
    "leaving_reason",
    "notes",
)


# The DfE's unique pupil number: a check letter, 11 digits, then a digit (a letter for a
# temporary UPN).
_UPN = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")


def person_problems(person: Person, *, check_unique: bool = True) -> dict[str, list[str]]:
    """Field errors for a person record, in words that say what to fix.

    The register's own rules on top of the model's: pupils need a year group and a date of
    birth that fits school age; only pupils have a year group; leaving follows joining.
    ``check_unique=False`` skips the per-record MIS id query for callers that check
    uniqueness for many records at once (the MIS import).
    """
    errors: dict[str, list[str]] = {}
    try:
        # Constraints and uniqueness are checked below with messages that say what to fix.
        person.full_clean(
            exclude=["school", "user"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if person.person_type == PersonType.PUPIL:
        if person.year_group is None:
            errors.setdefault("year_group", []).append("A pupil needs a year group.")
        if person.date_of_birth is not None:
            age = (timezone.localdate() - person.date_of_birth).days / 365.25
            if not 2 <= age <= 21:
                errors.setdefault("date_of_birth", []).append(
                    f"{person.date_of_birth:%d/%m/%Y} gives an age of {age:.0f}; "
                    "check the date of birth (pupils are 2 to 21)."
                )
    elif person.year_group is not None:
        errors.setdefault("year_group", []).append("Only pupils have a year group; leave it empty.")
    if person.upn and not _UPN.fullmatch(person.upn):
        errors["upn"] = [
            f"“{person.upn}” is not a UPN: it is a letter, 11 digits and a last digit or "
            "letter (e.g. A123456789012); copy it from the MIS."
        ]
    if person.joining_date and person.leaving_date and person.leaving_date < person.joining_date:
        errors.setdefault("leaving_date", []).append(
            "The leaving date is before the joining date; correct one of them."
        )
    if check_unique and person.mis_id:
        clash = Person.objects.filter(school_id=person.school_id, mis_id=person.mis_id)
        if person.pk:
            clash = clash.exclude(pk=person.pk)
        if clash.exists():
            errors.setdefault("mis_id", []).append(
                f"MIS id {person.mis_id} already belongs to someone else at this school."
            )
    return errors


def _raise_if_problems(person: Person) -> None:
    errors = person_problems(person)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The record was not saved: {first}", field_errors=errors)


@transaction.atomic
def person_create(*, actor: User | None, school: School, fields: Mapping[str, Any]) -> Person:
    """Add someone to a school's register, after checking the record makes sense."""
    person = Person(school=school)
    set_fields(person, fields, EDITABLE_FIELDS)
    _raise_if_problems(person)
    person.save()
    audit_log(actor=actor, action="person.created", obj=person, changes=diff({}, snapshot(person)))
    people_changed.send(Person, school=school, person_ids=[person.pk])
    if person.leaving_date:
        person_leaving.send(Person, person=person, leaving_date=person.leaving_date, actor=actor)
    return person


@transaction.atomic
def person_update(*, actor: User | None, person: Person, fields: Mapping[str, Any]) -> Person:
    """Change a person's record; an unchanged submission writes nothing."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    set_fields(person, fields, EDITABLE_FIELDS)
    changes = diff(before, snapshot(person))
    if not changes:
        return person
    _raise_if_problems(person)
    person.save()
    audit_log(actor=actor, action="person.updated", obj=person, changes=changes)
    people_changed.send(Person, school=person.school, person_ids=[person.pk])
    if "leaving_date" in changes and person.leaving_date:
        person_leaving.send(Person, person=person, leaving_date=person.leaving_date, actor=actor)
    return person


def person_set_leaving(
    *, actor: User | None, person: Person, leaving_date: dt.date, reason: str = ""
) -> Person:
    """Record that someone is leaving; other areas react (account removal deadlines)."""
    return person_update(
        actor=actor,
        person=person,
        fields={"leaving_date": leaving_date, "leaving_reason": reason},
    )


@transaction.atomic
def guardian_link(
    *,
    actor: User | None,
    pupil: Person,
    parent: Person,
    relationship: str,
    parental_responsibility: bool = True,
    contact_priority: int = 1,
) -> Guardianship:
    """Link a parent or carer to a pupil (or update the existing link)."""
    if pupil.person_type != PersonType.PUPIL:
        raise ServiceError(f"{pupil} is not a pupil; parents are linked to pupils.")
    if parent.person_type != PersonType.PARENT:
        raise ServiceError(f"{parent} is not recorded as a parent or carer.")
    if parent.school_id != pupil.school_id:
        raise ServiceError("A parent must be recorded at the pupil's school.")
    link, created = Guardianship.objects.get_or_create(
        pupil=pupil,
        parent=parent,
        defaults={
            "school_id": pupil.school_id,
            "relationship": relationship,
            "parental_responsibility": parental_responsibility,
            "contact_priority": contact_priority,
        },
    )
    if created:
        audit_log(
            actor=actor,
            action="guardianship.created",
            obj=link,
            school=pupil.school,
            changes=diff({}, snapshot(link)),
        )
        people_changed.send(Person, school=pupil.school, person_ids=[pupil.pk])
        return link
    before = snapshot(link)
    link.relationship = relationship
    link.parental_responsibility = parental_responsibility
    link.contact_priority = contact_priority
    changes = diff(before, snapshot(link))
    if changes:
        link.save()
        audit_log(
            actor=actor,
            action="guardianship.updated",
            obj=link,
            school=pupil.school,
            changes=changes,
        )
        people_changed.send(Person, school=pupil.school, person_ids=[pupil.pk])
    return link


@transaction.atomic
def guardian_unlink(*, actor: User | None, link: Guardianship) -> None:
    audit_log(
        actor=actor,
        action="guardianship.removed",
        obj=link,
        school=link.school,
        changes=diff(snapshot(link), {}),
    )
    link.delete()
    people_changed.send(Person, school=link.school, person_ids=[link.pupil_id])
