"""May this user see or change this person? Views go through these helpers only."""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user, roles_by_school
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.people.models import STAFF_TYPES, Guardianship, ImportRun, Person, PersonType


def person_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Person:
    perm = Perm.PEOPLE_EDIT if write else Perm.PEOPLE_VIEW
    return object_for_user(Person.objects.select_related("school"), user, perm, pk=pk)


def guardianship_for_user(user: AnyUser, pk: int) -> Guardianship:
    return object_for_user(
        Guardianship.objects.select_related("school", "pupil", "parent"),
        user,
        Perm.PEOPLE_EDIT,
        pk=pk,
    )


def import_run_for_user(user: AnyUser, pk: int) -> ImportRun:
    return object_for_user(
        ImportRun.objects.select_related("school", "started_by"), user, Perm.PEOPLE_IMPORT, pk=pk
    )


# --- need to know: which of a person's details each role sees ---------------------------------
#
# Policy duty "Staff see only the personal data their job needs" (docs/policy-map.md) and
# the safeguarding need-to-know rule. One table, read by the person page, the people list
# and its search, and every page that shows a person's contact details.


class Kind:
    """Whose details: the groups the table distinguishes."""

    PUPIL = "pupil"
    PARENT = "parent"
    STAFF = "staff"
    OTHER = "other"  # governors, visitors, contractors, volunteers, community users


class Detail:
    """Groups of a person's fields, as pages show them."""

    NAME = "name"  # names, type, status
    SCHOOL_PLACE = "school_place"  # year group, form, job title, organisation
    MIS_ID = "mis_id"
    EMAIL = "email"
    PHONE = "phone"
    DATE_OF_BIRTH = "date_of_birth"
    DATES = "dates"  # joining and leaving dates, leaving reason
    NOTES = "notes"


# The person fields each detail covers (what an edit form or an audit diff may show).
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    Detail.NAME: ("person_type", "title", "first_name", "last_name", "preferred_name"),
    Detail.SCHOOL_PLACE: ("year_group", "form", "job_title", "organisation"),
    Detail.MIS_ID: ("mis_id", "upn"),
    Detail.EMAIL: ("email",),
    Detail.PHONE: ("phone",),
    Detail.DATE_OF_BIRTH: ("date_of_birth",),
    Detail.DATES: ("joining_date", "leaving_date", "leaving_reason"),
    Detail.NOTES: ("notes",),
}

_ALL = frozenset(DETAIL_FIELDS)
# A colleague's work details: an e-mail address, never a personal phone number.
_WORK = frozenset({Detail.NAME, Detail.SCHOOL_PLACE, Detail.EMAIL})
_RECORD = frozenset({Detail.NAME, Detail.SCHOOL_PLACE, Detail.MIS_ID, Detail.DATES})
_NAME_ONLY = frozenset({Detail.NAME})

KINDS = (Kind.PUPIL, Kind.PARENT, Kind.STAFF, Kind.OTHER)

# Everything about everyone.
_EVERYTHING = {kind: _ALL for kind in KINDS}
# What accounts need: records and work e-mail addresses; of parents, the name only.
_FOR_ACCOUNTS = {
    Kind.PUPIL: _RECORD | _WORK,
    Kind.PARENT: _NAME_ONLY,
    Kind.STAFF: _RECORD | _WORK,
    Kind.OTHER: _RECORD | _WORK,
}

# Role -> kind of person -> details that role sees. A role missing here sees nothing of
# anyone (governors: figures only). Only office staff, the DSL and deputies, the headteacher
# and the SIRO see parents' contact details and staff dates of birth; teachers see pupils'
# names, year and form; the ICT team sees what accounts need (names, places, MIS ids, dates,
# staff and pupils' work e-mail), never parents' contacts, anyone's phone or date of birth.
PERSON_DETAILS: dict[str, dict[str, frozenset[str]]] = {
    Role.HEADTEACHER: _EVERYTHING,
    Role.DSL: _EVERYTHING,
    Role.DEPUTY_DSL: _EVERYTHING,
    Role.SIRO: _EVERYTHING,
    Role.OFFICE: _EVERYTHING,
    Role.TRUST_ADMIN: {**_FOR_ACCOUNTS, Kind.PUPIL: _RECORD},
    Role.ICT_MANAGER: _FOR_ACCOUNTS,
    Role.TECHNICIAN: _FOR_ACCOUNTS,
    Role.TEACHER: {
        Kind.PUPIL: frozenset({Detail.NAME, Detail.SCHOOL_PLACE}),
        Kind.PARENT: _NAME_ONLY,
        Kind.STAFF: _WORK - {Detail.EMAIL},
        Kind.OTHER: _NAME_ONLY,
    },
}


def kind_of(person: Person) -> str:
    if person.person_type == PersonType.PUPIL:
        return Kind.PUPIL
    if person.person_type == PersonType.PARENT:
        return Kind.PARENT
    if person.person_type in STAFF_TYPES:
        return Kind.STAFF
    return Kind.OTHER


def details_for(user: AnyUser, school: School | int, kind: str) -> frozenset[str]:
    """The details of a ``kind`` of person at ``school`` that ``user`` may see."""
    school_id = school if isinstance(school, int) else school.pk
    seen: set[str] = set()
    for role in roles_by_school(user).get(school_id, set()):
        seen |= PERSON_DETAILS.get(role, {}).get(kind, frozenset())
    return frozenset(seen)


def person_details(user: AnyUser, person: Person) -> frozenset[str]:
    """What ``user`` may see of ``person``; everyone sees all of their own record."""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return _ALL
    return details_for(user, person.school_id, kind_of(person))


def visible_fields(details: frozenset[str]) -> frozenset[str]:
    return frozenset(f for detail in details for f in DETAIL_FIELDS[detail])


def sees_contacts_of_everyone(user: AnyUser, school: School | int) -> bool:
    """May ``user`` see every kind of person's e-mail and phone (search by e-mail...)."""
    return all(Detail.EMAIL in details_for(user, school, kind) for kind in KINDS)
