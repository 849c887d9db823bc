"""What the register and the audit trail hold about a person, for their subject access
bundle: the profile, parent and carer links, and the audit entries about them.

These sections live here rather than in ``people`` and ``core`` because those areas sit
below records (``tests/test_layers.py``) and cannot import ``SubjectSection``; records may
read both. The audit entries are those whose record is the person themselves, and those
whose changes name them (``"person": <id>``, or ``[before, after]`` in a diff, as every
service writing one of a person's records does). Staff named are acting in their role.
An entry's record is named by its kind alone, since its name as written may name someone
else.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q

from warden.core.audit_registry import audit_type
from warden.core.models import AuditEntry
from warden.people.models import Guardianship, Person
from warden.records.bundle import SubjectSection


def profile(person: Person) -> SubjectSection:
    rows = [
        ("Name", person.full_name),
        ("Type", person.get_person_type_display()),
        ("Title", person.title),
        ("Preferred name", person.preferred_name),
        ("Date of birth", person.date_of_birth),
        ("E-mail", person.email),
        ("Phone", person.phone),
        ("Year group", person.get_year_group_display() if person.year_group is not None else ""),
        ("Form / class", person.form),
        ("Job title", person.job_title),
        ("Organisation", person.organisation),
        ("MIS id", person.mis_id),
        ("Joined", person.joining_date),
        ("Left", person.leaving_date),
        ("Reason for leaving", person.leaving_reason),
        ("Notes", person.notes),
        ("Status", person.get_status_display()),
    ]
    return SubjectSection(
        key="profile",
        title="Profile in the people register",
        columns=["Field", "Value"],
        rows=[list(row) for row in rows if row[1] not in ("", None)],
        notes=[
            "From the school's register, mostly imported from its management information "
            "system (MIS)."
        ],
        order=0,
    )


def links(person: Person) -> SubjectSection:
    """Parent and carer links: a pupil's parents are named to the pupil and each parent sees
    their own children (both are the subject's own relationships, not third parties'
    records)."""
    rows = []
    for link in Guardianship.objects.filter(pupil=person).select_related("parent"):
        rows.append(
            [
                "Parent or carer",
                link.parent.full_name,
                link.get_relationship_display(),
                "yes" if link.parental_responsibility else "no",
            ]
        )
    for link in Guardianship.objects.filter(parent=person).select_related("pupil"):
        rows.append(
            [
                "Child",
                link.pupil.full_name,
                link.get_relationship_display(),
                "yes" if link.parental_responsibility else "no",
            ]
        )
    return SubjectSection(
        key="family_links",
        title="Parent and carer links",
        columns=["Link", "Name", "Relationship", "Parental responsibility"],
        rows=rows,
        order=1,
    )


def _kind(object_type: str) -> str:
    if not object_type:
        return ""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return object_type


def audit_entries(person: Person) -> SubjectSection:
    entries = AuditEntry.objects.filter(school_id=person.school_id).filter(
        Q(object_type="people.person", object_id=str(person.pk))
        | Q(changes__person=person.pk)
        # A diff keeps [before, after].
        | Q(changes__person__0=person.pk)
        | Q(changes__person__1=person.pk)
    )
    rows = []
    for entry in entries.order_by("seq"):
        declared = audit_type(entry.action)
        rows.append(
            [
                entry.at,
                entry.actor_label,
                declared.words if declared else entry.action,
                _kind(entry.object_type),
                entry.object_id,
                entry.via,
            ]
        )
    return SubjectSection(
        key="audit",
        title="Audit trail: who did what with your records",
        columns=["When", "Who", "What", "Record", "Record number", "Through"],
        rows=rows,
        notes=[
            "Every change to a person's records, and every time their page is read, is "
            "written to the school's audit trail."
        ],
        order=90,
    )


SECTIONS = [profile, links, audit_entries]
