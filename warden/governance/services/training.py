"""Training: courses, who must take them, and who completed what and when.

Policy duties "Staff trained in IT security at induction" (every member of staff is trained
at induction and then regularly) and "Governors take IT security training". A completion
counts for the course's validity (none: once is enough); a person who must take a course and
has no completion that counts is overdue once its due date passes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.governance.models import Completion, Course, Method, TrainingDue
from warden.governance.starters import STARTER_COURSES
from warden.incidents.rules import add_months
from warden.lib.names import accepted_forms, normalise
from warden.people.models import Person, PersonType

# A new member of staff who joined within this many days before an induction course is set
# due is measured from their joining date; anyone else from the day it is set due.
INDUCTION_LOOKBACK = dt.timedelta(days=365)


def _check_course(
    *,
    title: str,
    person_types: Sequence[str],
    roles: Sequence[str],
    validity_months: int | None,
    due_within_days: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Enter the course's title."]
    if not person_types and not roles:
        errors["person_types"] = ["Choose who must take it: person types, roles or both."]
    if set(person_types) - set(PersonType.values):
        errors["person_types"] = ["Choose person types from the list."]
    if set(roles) - set(Role.values):
        errors["roles"] = ["Choose roles from the list."]
    if validity_months is not None and not 1 <= validity_months <= 120:
        errors["validity_months"] = ["Give between 1 and 120 months, or leave empty for once."]
    if not 0 <= due_within_days <= 365:
        errors["due_within_days"] = ["Give between 0 and 365 days."]
    if errors:
        raise ServiceError(
            "Check the course: " + " ".join(e[0] for e in errors.values()), field_errors=errors
        )


@transaction.atomic
def course_create(
    *,
    actor: User | None,
    school: School,
    title: str,
    person_types: Sequence[str],
    roles: Sequence[str] = (),
    validity_months: int | None = None,
    due_within_days: int = 30,
    induction: bool = False,
    description: str = "",
) -> Course:
    """Add a course and set it due for everyone who must take it."""
    _check_course(
        title=title,
        person_types=person_types,
        roles=roles,
        validity_months=validity_months,
        due_within_days=due_within_days,
    )
    if Course.objects.filter(school=school, title__iexact=title.strip()).exists():
        raise ServiceError(
            f"There is already a course called “{title.strip()}”.",
            field_errors={"title": ["A course with this title exists."]},
        )
    course = Course.objects.create(
        school=school,
        title=title.strip()[:200],
        description=description.strip()[:300],
        person_types=sorted(set(person_types)),
        roles=sorted(set(roles)),
        validity_months=validity_months,
        due_within_days=due_within_days,
        induction=induction,
    )
    audit_log(actor=actor, action="course.created", obj=course, changes=diff({}, snapshot(course)))
    training_assign(school=school, courses=[course])
    return course


@transaction.atomic
def starter_courses_install(*, actor: User | None, school: School) -> int:
    """Add the starter courses the school does not have yet; returns how many."""
    have = {t.lower() for t in Course.objects.filter(school=school).values_list("title", flat=True)}
    added = 0
    for starter in STARTER_COURSES:
        if starter.title.lower() in have:
            continue
        course_create(
            actor=actor,
            school=school,
            title=starter.title,
            description=starter.description,
            person_types=starter.person_types,
            roles=starter.roles,
            validity_months=starter.validity_months,
            due_within_days=starter.due_within_days,
            induction=starter.induction,
        )
        added += 1
    return added


def required_people(course: Course, *, person_ids: Iterable[int] | None = None) -> QuerySet[Person]:
    """The current people who must take ``course``: of its person types, or whose Warden
    sign-in holds one of its roles at the school."""
    who = Q(person_type__in=course.person_types)
    if course.roles:
        holders = Membership.objects.filter(
            Q(school_id=course.school_id) | Q(school__isnull=True, trust_id=course.school.trust_id),
            role__in=course.roles,
        ).values("user_id")
        who |= Q(user_id__in=holders)
    people = Person.objects.filter(who, school_id=course.school_id).exclude(
        leaving_date__lt=timezone.localdate()
    )
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    return people


def first_due(course: Course, person: Person, today: dt.date) -> dt.date:
    """When a person first must have taken a course: an induction course within its days of
    joining (for someone who joined in the last year), any course within its days of being
    set due (or of joining, for someone who has not joined yet)."""
    start = today
    joined = person.joining_date
    if joined is not None and (
        joined > today or (course.induction and joined >= today - INDUCTION_LOOKBACK)
    ):
        start = joined
    return start + dt.timedelta(days=course.due_within_days)


def training_assign(
    *,
    school: School,
    person_ids: Iterable[int] | None = None,
    courses: Iterable[Course] | None = None,
) -> int:
    """Set each course due for the people who must take it and have not had it set (new
    staff get their induction this way when they join); returns how many were set."""
    today = timezone.localdate()
    chosen = (
        list(courses)
        if courses is not None
        else list(Course.objects.filter(school=school, active=True))
    )
    ids = list(person_ids) if person_ids is not None else None
    rows: list[TrainingDue] = []
    for course in chosen:
        have = set(TrainingDue.objects.filter(course=course).values_list("person_id", flat=True))
        for person in required_people(course, person_ids=ids):
            if person.pk not in have:
                rows.append(
                    TrainingDue(
                        school=school,
                        person=person,
                        course=course,
                        due_on=first_due(course, person, today),
                    )
                )
    TrainingDue.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_log(
            actor=None, action="training.assigned", school=school, changes={"count": [0, len(rows)]}
        )
    return len(rows)


def expiry(course: Course, completed_on: dt.date) -> dt.date | None:
    return add_months(completed_on, course.validity_months) if course.validity_months else None


@transaction.atomic
def completions_record(
    *,
    actor: User | None,
    course: Course,
    people: Sequence[Person],
    completed_on: dt.date,
    note: str = "",
    method: str = Method.HAND,
) -> list[Completion]:
    """Record that each of ``people`` completed ``course`` on a date (one or many at once)."""
    return completions_record_groups(
        actor=actor, groups=[(course, completed_on, people)], note=note, method=method
    )


@transaction.atomic
def completions_record_groups(
    *,
    actor: User | None,
    groups: Sequence[tuple[Course, dt.date, Sequence[Person]]],
    note: str = "",
    method: str = Method.HAND,
) -> list[Completion]:
    """Record many sessions at once (an import, a term's training): each group is a course,
    the day it was completed and who completed it; one audit entry a group, written
    together."""
    if not groups or any(not people for _, _, people in groups):
        raise ServiceError(
            "Choose who completed the course.",
            field_errors={"people": ["Choose at least one person."]},
        )
    today = timezone.localdate()
    schools = {course.school_id for course, _, _ in groups}
    if len(schools) != 1:
        raise ServiceError("Record the training of one school at a time.")
    for course, completed_on, people in groups:
        if completed_on > today:
            raise ServiceError(
                "A completion date cannot be in the future.",
                field_errors={"completed_on": ["Give the day the course was completed."]},
            )
        for person in people:
            if person.school_id != course.school_id:
                raise ServiceError(f"{person} is not at {course.school.name}.")
    wanted = {(c.pk, p.pk, day) for c, day, people in groups for p in people}
    already = [
        c
        for c in Completion.objects.filter(
            course__in={c.pk for c, _, _ in groups},
            completed_on__in={day for _, day, _ in groups},
            person__in={p.pk for _, _, people in groups for p in people},
        ).select_related("person")
        if (c.course_id, c.person_id, c.completed_on) in wanted
    ]
    if already:
        names = ", ".join(sorted({str(c.person) for c in already}))
        days = ", ".join(sorted({f"{c.completed_on:%d/%m/%Y}" for c in already}))
        raise ServiceError(
            f"Already recorded for {days}: {names}. Leave them out.",
            field_errors={"people": [f"Already recorded: {names}."]},
        )
    made: list[Completion] = []
    entries: list[tuple[Course, dict[str, Any]]] = []
    for course, completed_on, people in groups:
        expires_on = expiry(course, completed_on)
        made += [
            Completion(
                school=course.school,
                person=person,
                course=course,
                completed_on=completed_on,
                expires_on=expires_on,
                method=method,
                note=note.strip()[:200],
                recorded_by=actor,
            )
            for person in people
        ]
        entries.append(
            (
                course,
                {
                    "course": [None, course.title],
                    "completed_on": [None, completed_on.isoformat()],
                    "expires_on": [None, expires_on.isoformat() if expires_on else None],
                    "method": [None, method],
                    "people": [None, [p.pk for p in people]],
                },
            )
        )
    Completion.objects.bulk_create(made, batch_size=1000)
    audit_log_many(
        actor=actor, action="training.recorded", items=entries, school=groups[0][0].school
    )
    return made


# --- import from a CSV file ------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    recorded: int
    skipped: int


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _by_name(people: Iterable[Person]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    for person in people:
        forms = accepted_forms(
            first=person.first_name, last=person.last_name, preferred=person.preferred_name
        )
        for form in forms:
            found.setdefault(form, []).append(person)
    return found


@transaction.atomic
def training_import(*, actor: User | None, school: School, content: bytes) -> ImportResult:
    """Record completions from a CSV file with the columns ``person`` (a name or MIS id),
    ``course`` (its title) and ``date`` (dd/mm/yyyy). Every line is checked first: with any
    error, nothing is recorded and each error names its line. A completion already recorded
    is skipped."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("Save the file as CSV in UTF-8 and upload it again.") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    missing = {"person", "course", "date"} - fields
    if missing:
        raise ServiceError(
            "The first line must name the columns person, course and date; missing: "
            + ", ".join(sorted(missing))
            + "."
        )
    courses = {c.title.lower(): c for c in Course.objects.filter(school=school)}
    people = list(Person.objects.filter(school=school).exclude(person_type=PersonType.PUPIL))
    by_mis = {p.mis_id: p for p in people if p.mis_id}
    by_name = _by_name(people)
    errors: list[str] = []
    wanted: list[tuple[Course, Person, dt.date]] = []
    today = timezone.localdate()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not any(row.values()):
            continue
        course = courses.get(row.get("course", "").lower())
        day = _parse_date(row.get("date", ""))
        who = row.get("person", "")
        found = [by_mis[who]] if who in by_mis else by_name.get(normalise(who), [])
        if course is None:
            errors.append(f"Line {number}: no course is called “{row.get('course', '')}”.")
        if day is None:
            errors.append(
                f"Line {number}: give the date as dd/mm/yyyy, not “{row.get('date', '')}”."
            )
        elif day > today:
            errors.append(f"Line {number}: {day:%d/%m/%Y} is in the future.")
        if len(found) != 1:
            what = "nobody" if not found else f"{len(found)} people"
            errors.append(
                f"Line {number}: “{row.get('person', '')}” matches {what}; give the MIS id."
            )
        if course is not None and day is not None and len(found) == 1:
            wanted.append((course, found[0], day))
    if errors:
        raise ServiceError("Nothing was imported. " + " ".join(errors[:20]))
    if not wanted:
        raise ServiceError("The file has no completions in it.")
    existing = set(
        Completion.objects.filter(school=school).values_list(
            "course_id", "person_id", "completed_on"
        )
    )
    by_key: dict[tuple[Course, dt.date], list[Person]] = {}
    skipped = 0
    for course, person, day in wanted:
        if (course.pk, person.pk, day) in existing:
            skipped += 1
            continue
        existing.add((course.pk, person.pk, day))
        by_key.setdefault((course, day), []).append(person)
    recorded = completions_record_groups(
        actor=actor,
        groups=[(course, day, chosen) for (course, day), chosen in by_key.items()],
        method=Method.IMPORT,
    )
    return ImportResult(recorded=len(recorded), skipped=skipped)
