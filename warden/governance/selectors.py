"""Reads the governance pages, home panels and the governors' report share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from warden.core.models import School
from warden.governance.models import (
    Allowed,
    CommsRule,
    Completion,
    Course,
    Policy,
    PolicyVersion,
    ReviewTrigger,
    TrainingDue,
)
from warden.governance.starters import COMMS_ROWS
from warden.people.models import Person

# A completion expiring within this many days shows as "renew soon".
RENEW_SOON_DAYS = 30

# --- policies --------------------------------------------------------------------------------

# A policy's review is "due soon", and its owner is reminded by e-mail, this many days before
# it falls due (ICT security policy §1: policies reviewed every year).
REMINDER_DAYS = 30


def policies(school: School) -> QuerySet[Policy]:
    """The register, each policy with its latest approved version and open triggers."""
    open_triggers = ReviewTrigger.objects.filter(policy=OuterRef("pk"), resolved_by__isnull=True)
    return (
        Policy.objects.filter(school=school)
        .select_related("owner")
        .annotate(brought_forward=Exists(open_triggers), version_count=Count("versions"))
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PolicyVersion.objects.filter(approved_on__isnull=False).order_by(
                    "-number"
                ),
                to_attr="approved_versions",
            )
        )
        .order_by("next_review_on", "title")
    )


def overdue_policies(school: School, today: dt.date) -> QuerySet[Policy]:
    """Policies whose review date has passed: the home pages of the head and governors."""
    return Policy.objects.filter(school=school, next_review_on__lt=today).order_by(
        "next_review_on", "title"
    )


def due_soon_policies(
    school: School, today: dt.date, days: int = REMINDER_DAYS
) -> QuerySet[Policy]:
    return Policy.objects.filter(
        school=school,
        next_review_on__gte=today,
        next_review_on__lte=today + dt.timedelta(days=days),
    )


# --- training --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One person's standing with one course."""

    state: str  # "done", "renew", "due", "overdue", "expired" or "" (not required)
    completed_on: dt.date | None = None
    expires_on: dt.date | None = None
    due_on: dt.date | None = None

    @property
    def overdue(self) -> bool:
        return self.state in ("overdue", "expired")

    @property
    def words(self) -> str:
        if self.state == "done":
            return f"Done {self.completed_on:%d/%m/%Y}"
        if self.state == "renew":
            return f"Renew by {self.expires_on:%d/%m/%Y}"
        if self.state == "expired":
            return f"Expired {self.expires_on:%d/%m/%Y}"
        if self.state == "overdue":
            return f"Overdue since {self.due_on:%d/%m/%Y}"
        if self.state == "due":
            return f"Due by {self.due_on:%d/%m/%Y}"
        return "—"


def cell(latest: Completion | None, due: dt.date | None, required: bool, today: dt.date) -> Cell:
    """Where someone stands with a course: a completion that still counts, else due or
    overdue by the date they first had to take it (or the day the last one expired)."""
    if latest is not None:
        expires = latest.expires_on
        if expires is None or expires >= today:
            soon = expires is not None and expires <= today + dt.timedelta(days=RENEW_SOON_DAYS)
            return Cell("renew" if soon else "done", latest.completed_on, expires)
        return Cell("expired", latest.completed_on, expires) if required else Cell("")
    if not required or due is None:
        return Cell("")
    return Cell("overdue" if due < today else "due", due_on=due)


@dataclass(frozen=True)
class MatrixRow:
    person: Person
    cells: list[Cell]

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.cells)


def trained_people(
    school: School, *, search: str = "", overdue_on: dt.date | None = None
) -> QuerySet[Person]:
    """Everyone with a course due or done, by name; with ``overdue_on``, only those with
    something overdue on that day (a due date passed without a completion, or expired)."""
    people = Person.objects.filter(school=school).filter(
        Exists(TrainingDue.objects.filter(person=OuterRef("pk")))
        | Exists(Completion.objects.filter(person=OuterRef("pk")))
    )
    for word in search.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(job_title__icontains=word)
        )
    if overdue_on is not None:
        counting = Completion.objects.filter(
            person=OuterRef("person_id"), course=OuterRef("course_id")
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=overdue_on))
        late = TrainingDue.objects.filter(person=OuterRef("pk"), due_on__lt=overdue_on).exclude(
            Exists(counting)
        )
        people = people.filter(Exists(late))
    return people.order_by("last_name", "first_name", "pk")


def matrix_rows(
    school: School, people: Sequence[Person], courses: Sequence[Course], today: dt.date
) -> list[MatrixRow]:
    """The matrix's rows for one page of people: two queries, whatever the page's size."""
    ids = [p.pk for p in people]
    dues = {
        (d.person_id, d.course_id): d.due_on
        for d in TrainingDue.objects.filter(school=school, person_id__in=ids)
    }
    latest: dict[tuple[int, int], Completion] = {}
    for done in Completion.objects.filter(school=school, person_id__in=ids).order_by(
        "completed_on"
    ):
        latest[(done.person_id, done.course_id)] = done
    return [
        MatrixRow(
            person,
            [
                cell(
                    latest.get((person.pk, course.pk)),
                    dues.get((person.pk, course.pk)),
                    (person.pk, course.pk) in dues,
                    today,
                )
                for course in courses
            ],
        )
        for person in people
    ]


@dataclass(frozen=True)
class Compliance:
    """Training compliance in counts: of everyone a course is due for, how many are up to
    date, due (not yet late) and overdue."""

    course: str
    required: int
    up_to_date: int
    due: int
    overdue: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.up_to_date / self.required) if self.required else None


def compliance(school: School, today: dt.date) -> list[Compliance]:
    counting = Completion.objects.filter(
        person=OuterRef("person_id"), course=OuterRef("course_id")
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    rows = (
        TrainingDue.objects.filter(school=school, course__active=True)
        .annotate(ok=Exists(counting))
        .values("course_id")
        .annotate(
            required=Count("pk"),
            up_to_date=Count("pk", filter=Q(ok=True)),
            overdue=Count("pk", filter=Q(ok=False, due_on__lt=today)),
        )
    )
    by_course = {r["course_id"]: r for r in rows}
    found = []
    for course in Course.objects.filter(school=school, active=True):
        r = by_course.get(course.pk, {"required": 0, "up_to_date": 0, "overdue": 0})
        due = r["required"] - r["up_to_date"] - r["overdue"]
        found.append(Compliance(course.title, r["required"], r["up_to_date"], due, r["overdue"]))
    return found


# --- the communications matrix ---------------------------------------------------------------


@dataclass(frozen=True)
class CommsRow:
    key: str
    label: str
    staff: str
    pupils: str

    @property
    def staff_words(self) -> str:
        return Allowed(self.staff).label

    @property
    def pupils_words(self) -> str:
        return Allowed(self.pupils).label


def comms_rows(school: School) -> list[CommsRow]:
    """Every row of the matrix: the school's setting, else the policy's default (policy duty
    "Communications matrix set by the school")."""
    stored = {r.activity: r for r in CommsRule.objects.filter(school=school)}
    rows = []
    for key, label, staff, pupils in COMMS_ROWS:
        rule = stored.get(key)
        rows.append(
            CommsRow(key, label, rule.staff if rule else staff, rule.pupils if rule else pupils)
        )
    return rows
