"""People: read the register; add and update people from an MIS feed."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

import io
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import PeopleUpsertIn, PeopleUpsertOut, PersonIn, PersonOut
from warden.core.errors import ServiceError
from warden.core.roles import Perm, Role
from warden.lib import csvsafe
from warden.people.access import PERSON_DETAILS, kind_of, person_for_user, visible_fields
from warden.people.importing import people_import
from warden.people.models import Person
from warden.people.selectors import PeopleFilter, people_list

router = Router(tags=["People"])

# A token is a system, not a person: it sees of each person what the ICT team's pages show
# (records and work e-mail; of parents, the name), never phones, birthdays or notes.
_TOKEN_DETAILS = PERSON_DETAILS[Role.ICT_MANAGER]


def person_out(person: Person) -> dict[str, Any]:
    shown = visible_fields(_TOKEN_DETAILS.get(kind_of(person), frozenset()))
    row: dict[str, Any] = {
        "id": person.pk,
        "person_type": person.person_type,
        "status": person.status,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }
    for name in PersonOut.model_fields:
        if name not in row and name in shown:
            row[name] = getattr(person, name)
    return row


class PeopleQuery(Schema):
    q: str = ""
    person_type: str = ""
    year_group: int | None = None
    status: str = ""
    form: str = ""


@router.get("", response={200: list[PersonOut], **REFUSALS}, operation_id="people_list")
@paginate(Paged)
def list_people(request: HttpRequest, filters: Query[PeopleQuery]) -> Shaped:
    """The school's register, filtered as on the people page, sorted by name."""
    school = caller_school(caller(request), Perm.PEOPLE_VIEW)
    return Shaped(people_list(school, PeopleFilter(**filters.dict()), by_email=False), person_out)


@router.get("/{int:person_pk}", response={200: PersonOut, **REFUSALS}, operation_id="people_get")
def get_person(request: HttpRequest, person_pk: int) -> dict[str, Any]:
    """One person, or 404 when they are not on this school's register."""
    caller_school(caller(request), Perm.PEOPLE_VIEW)
    return person_out(person_for_user(caller(request), person_pk))


def _as_csv(people: list[PersonIn]) -> bytes:
    out = io.StringIO()
    fields = list(PersonIn.model_fields)
    writer = csvsafe.internal_dict_writer(out, fields)
    writer.writeheader()
    for person in people:
        row = person.dict()
        writer.writerow({k: "" if row[k] is None else str(row[k]) for k in fields})
    return out.getvalue().encode("utf-8")


@router.post("/upsert", response={200: PeopleUpsertOut, **REFUSALS}, operation_id="people_upsert")
def upsert_people(request: HttpRequest, body: PeopleUpsertIn) -> dict[str, Any]:
    """Add people by MIS id and update those who changed, through the MIS import: the same
    checks, the same audit, an import run on the import page. A bad row refuses the whole
    batch (400, naming each row as ``people[n].field``) unless ``skip_bad_rows``; ``dry_run``
    says what would change."""
    school = caller_school(caller(request), Perm.PEOPLE_IMPORT)
    fields = list(PersonIn.model_fields)
    report = people_import(
        actor=None,
        school=school,
        data=_as_csv(body.people),
        filename="api-upsert.csv",
        source="other",
        mapping={name: name for name in fields},
        default_type=None,
        dry_run=body.dry_run,
        skip_bad_rows=body.skip_bad_rows,
        mark_missing_as_leaving=False,
    )
    if report.outcome == "rejected":
        raise ServiceError(
            f"Nothing was imported: {report.errors[0] if report.errors else 'the feed was refused'}"
            ". Fix the row (or send skip_bad_rows) and send the feed again.",
            field_errors={
                f"people[{error.line - 2}].{error.column}": [error.message]
                for error in report.errors
            },
        )
    return {
        "outcome": report.outcome,
        "applied": report.run is not None and report.outcome == "applied",
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "errors": [error.as_dict() for error in report.errors],
    }
