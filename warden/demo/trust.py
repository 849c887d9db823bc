"""The demo trust: a realistic, entirely synthetic trust to try Warden with (``warden demo``).

Names come from Faker (en_GB) seeded per school and section, so every run plans the same
people (their dates are set relative to today). Nothing can reach a real person: phone
numbers are in Ofcom's range reserved for drama, email addresses are under the reserved
``example.org``/``example.com`` domains, and URNs are outside the range the DfE has issued.

Idempotent by top-up, one school at a time. Every record is keyed: the trust and schools by
slug, people by MIS id, sign-ins by username, memberships by user, school and role. A school
whose slug already exists keeps its people exactly as they are (even when ``--pupils``
differs); schools that are missing are added whole, and missing demo sign-ins and
memberships are restored. Nothing existing is changed, so a second run with the same
arguments writes nothing at all, not even an audit entry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from faker import Faker

from warden.core.audit import audit_context, audit_log, audit_log_many, diff, snapshot
from warden.core.bulk import bulk_insert
from warden.core.errors import ServiceError
from warden.core.models import Membership, School, Trust, User
from warden.core.registry import collect
from warden.core.roles import TWO_FACTOR_ROLES, Role
from warden.people.models import Guardianship, Person, PersonType, Relationship
from warden.people.services import EDITABLE_FIELDS, person_problems

# Printed by ``warden demo`` for anyone trying Warden: a shared demo sign-in, not a secret.
DEMO_PASSWORD = "Warden-demo-2026"  # noqa: S105
TRUST_NAME = "Northgate Learning Trust"
TRUST_SLUG = "northgate-trust"
TRUST_ADMIN_USERNAME = "trustadmin"
TRUST_WIDE = "All schools (trust-wide)"


@dataclass(frozen=True)
class SchoolSpec:
    name: str
    slug: str
    phase: str
    urn: str


# Made-up names. URNs start at 990001 because issued URNs have not yet passed 160000.
SCHOOLS: tuple[SchoolSpec, ...] = (
    SchoolSpec("Northgate Academy", "northgate", "secondary", "990001"),
    SchoolSpec("Hollybank Primary School", "hollybank", "primary", "990002"),
    SchoolSpec("Kestrel Fields Primary School", "kestrel", "primary", "990003"),
    SchoolSpec("Sandford Vale Academy", "sandford", "secondary", "990004"),
    SchoolSpec("Larchwood Primary School", "larchwood", "primary", "990005"),
    SchoolSpec("Millbrook Church of England Primary", "millbrook", "primary", "990006"),
    SchoolSpec("Ashcombe Primary Academy", "ashcombe", "primary", "990007"),
    SchoolSpec("Greyfriars Hill School", "greyfriars", "secondary", "990008"),
    SchoolSpec("Brookmere Primary School", "brookmere", "primary", "990009"),
    SchoolSpec("Thornley Park Academy", "thornley", "secondary", "990010"),
)
MAX_SCHOOLS = len(SCHOOLS)

# One sign-in per role at every school: (role, username prefix).
SCHOOL_ROLES: tuple[tuple[Role, str], ...] = (
    (Role.HEADTEACHER, "head"),
    (Role.DSL, "dsl"),
    (Role.DEPUTY_DSL, "deputydsl"),
    (Role.SIRO, "siro"),
    (Role.ICT_MANAGER, "ictmanager"),
    (Role.TECHNICIAN, "technician"),
    (Role.OFFICE, "office"),
    (Role.TEACHER, "teacher"),
    (Role.GOVERNOR, "governor"),
)


@dataclass(frozen=True)
class SignIn:
    username: str
    role: str
    school: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def needs_two_factor(self) -> bool:
        return self.role in TWO_FACTOR_ROLES


@dataclass
class DemoReport:
    """What a run found and added, and the sign-ins to try (all share ``password``)."""

    trust: str
    schools: list[str]
    created: Counter[str]
    people: dict[str, int]
    guardianships: int
    sign_ins: list[SignIn]
    seconds: float
    password: str = DEMO_PASSWORD

    @property
    def already_loaded(self) -> bool:
        return not any(self.created.values())


def demo_usernames() -> set[str]:
    """Every username the demo can create, whichever schools were loaded."""
    names = {f"{prefix}.{spec.slug}" for spec in SCHOOLS for _, prefix in SCHOOL_ROLES}
    return names | {TRUST_ADMIN_USERNAME}


def demo_sign_ins() -> list[SignIn]:
    """The demo sign-ins that exist now, in the order a load prints them."""
    school_order = {spec.slug: n for n, spec in enumerate(SCHOOLS)}
    role_order: dict[str, int] = {role: n for n, (role, _) in enumerate(SCHOOL_ROLES)}
    rows = Membership.objects.filter(
        trust__slug=TRUST_SLUG, user__username__in=demo_usernames()
    ).select_related("user", "school")
    ordered = sorted(
        rows,
        key=lambda m: (
            -1 if m.school is None else school_order.get(m.school.slug, MAX_SCHOOLS),
            role_order.get(m.role, len(role_order)),
        ),
    )
    return [
        SignIn(m.user.username, m.role, m.school.name if m.school else TRUST_WIDE) for m in ordered
    ]


# ---------------------------------------------------------------------------------------
# Planning: pure generation from a seed and today's date, no database.


@dataclass
class PersonPlan:
    fields: dict[str, Any]
    username: str = ""

    @property
    def mis_id(self) -> str:
        return str(self.fields["mis_id"])


@dataclass(frozen=True)
class LinkPlan:
    pupil: str
    parent: str
    relationship: str
    parental_responsibility: bool
    contact_priority: int


@dataclass(frozen=True)
class OperatorPlan:
    username: str
    role: str
    first_name: str
    last_name: str
    email: str
    person_mis_id: str


@dataclass
class SchoolPlan:
    people: list[PersonPlan] = field(default_factory=list)
    links: list[LinkPlan] = field(default_factory=list)


def _faker(seed: int, slug: str, section: str) -> Faker:
    """A Faker for one section of one school, so sections don't shift each other's draws."""
    fake = Faker("en_GB")
    fake.seed_instance(zlib.crc32(f"{seed}:{slug}:{section}".encode()))
    return fake


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _phone(fake: Faker) -> str:
    # Ofcom reserves 07700 900000–900999 for drama: never a real subscriber.
    return f"07700 900{fake.random.randint(0, 999):03d}"


def _title(fake: Faker, female: bool) -> str:
    # Faker draws every title equally often, which makes one adult in four a doctor.
    if female:
        return fake.random.choices(("Mrs", "Ms", "Miss", "Dr"), weights=(40, 30, 25, 5))[0]
    return fake.random.choices(("Mr", "Dr"), weights=(95, 5))[0]


def _between(fake: Faker, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=fake.random.randint(0, (end - start).days))


def academic_year_start(today: dt.date) -> int:
    """The calendar year in which the current school year began (on 1 September)."""
    return today.year if today.month >= 9 else today.year - 1


def next_term_start(today: dt.date) -> dt.date:
    """Roughly when the next term begins: early January, late April or early September."""
    starts = [dt.date(today.year + y, m, d) for y in (0, 1) for m, d in ((1, 6), (4, 22), (9, 3))]
    return min(s for s in starts if s > today)


def _date_of_birth(fake: Faker, year_group: int, start_year: int) -> dt.date:
    # Schools in England group by age on 31 August: Year Y is Y + 4 then (Reception: 4),
    # so a year group is born between 1 September and the next 31 August.
    born_from = dt.date(start_year - year_group - 5, 9, 1)
    return _between(fake, born_from, dt.date(start_year - year_group - 4, 8, 31))


def _year_groups(phase: str) -> list[tuple[int, float]]:
    if phase == "secondary":
        # Sixth forms are smaller than the main school.
        return [(y, 1.0) for y in range(7, 12)] + [(12, 0.6), (13, 0.55)]
    return [(y, 1.0) for y in range(7)]


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), summing exactly."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


_CLASS_NAMES = (
    "Robins", "Wrens", "Owls", "Foxes", "Badgers", "Hedgehogs", "Otters", "Kingfishers",
    "Squirrels", "Hares", "Swifts", "Herons", "Puffins", "Kestrels", "Woodpeckers", "Deer",
)  # fmt: skip


def _form_name(phase: str, year: int, index: int) -> str:
    if phase == "secondary":
        return f"{year}{chr(ord('A') + index)}" if index < 26 else f"{year}/{index + 1}"
    prefix = "R" if year == 0 else f"Y{year}"
    name = _CLASS_NAMES[(year * 2 + index) % len(_CLASS_NAMES)]
    lap = index // len(_CLASS_NAMES)
    return f"{prefix} {name}" + (f" {lap + 1}" if lap else "")


def _forms(phase: str, year: int, count: int) -> list[str]:
    """Form for each of ``count`` pupils in a year group, in classes of at most 30."""
    n_forms = max(1, math.ceil(count / 30))
    return [_form_name(phase, year, i * n_forms // count) for i in range(count)]


def _pupil_slots(phase: str, pupils: int) -> list[tuple[int, str]]:
    """(year group, form) for each pupil on the roll."""
    years = _year_groups(phase)
    slots: list[tuple[int, str]] = []
    for (year, _), count in zip(years, _spread(pupils, [w for _, w in years]), strict=True):
        slots.extend((year, form) for form in _forms(phase, year, count))
    return slots


# The teacher with a sign-in at a primary school teaches this class.
_PRIMARY_TEACHER_CLASS = _form_name("primary", 4, 0)


def _entry_date(fake: Faker, phase: str, year: int, start_year: int, today: dt.date) -> dt.date:
    """When a pupil was admitted: at the usual entry point, a few in-year or into sixth form."""
    entry_year = 0 if phase == "primary" else 7
    if year >= 12 and fake.random.random() < 0.35:
        entry_year = 12
    admitted = dt.date(start_year - (year - entry_year), 9, 1)
    if fake.random.random() < 0.1:
        admitted = _between(fake, admitted, today - dt.timedelta(days=14))
    return admitted


_LEFT_REASONS = (
    "Moved out of the area",
    "Transferred to another school",
    "Elective home education",
    "Emigrated",
)
_LEAVING_REASONS = ("Moving out of the area", "Transferring to another school", "Emigrating")


def _plan_pupils(
    fake: Faker, spec: SchoolSpec, number: int, pupils: int, today: dt.date
) -> tuple[list[PersonPlan], list[list[PersonPlan]]]:
    """The roll, and the same pupils grouped into families (siblings share a surname)."""
    start_year = academic_year_start(today)
    rng = fake.random

    # Year groups and forms first, then families drawn over them at random so that
    # siblings land in different years (or the same one, as twins).
    slots = _pupil_slots(spec.phase, pupils)
    order = list(range(len(slots)))
    rng.shuffle(order)
    families: list[list[int]] = []
    while order:
        size = rng.choices((1, 2, 3), weights=(78, 18, 4))[0]
        families.append([order.pop() for _ in range(min(size, len(order)))])
    family_of = {index: n for n, members in enumerate(families) for index in members}
    surnames = [fake.last_name() for _ in families]

    roll: list[PersonPlan] = []
    twins_dob: dict[tuple[int, int], dt.date] = {}
    for index, (year, form) in enumerate(slots):
        family_no = family_of[index]
        female = rng.random() < 0.5
        dob = twins_dob.setdefault((family_no, year), _date_of_birth(fake, year, start_year))
        roll.append(
            PersonPlan(
                {
                    "person_type": PersonType.PUPIL,
                    "mis_id": f"A{number * 10000 + index + 1}",
                    "first_name": fake.first_name_female() if female else fake.first_name_male(),
                    "last_name": surnames[family_no],
                    "date_of_birth": dob,
                    "year_group": year,
                    "form": form,
                    "joining_date": _entry_date(fake, spec.phase, year, start_year, today),
                }
            )
        )

    # A few who have left, a few leaving soon and a few joining next term, chosen among
    # pupils admitted long enough ago for a leaving date to fall after their admission.
    settled = [p for p in roll if p.fields["joining_date"] <= today - dt.timedelta(days=120)]
    rng.shuffle(settled)
    few = max(1, round(pupils * 0.02))
    for p in settled[:few]:
        p.fields["leaving_date"] = today - dt.timedelta(days=rng.randint(3, 100))
        p.fields["leaving_reason"] = rng.choice(_LEFT_REASONS)
    for p in settled[few : few * 2]:
        p.fields["leaving_date"] = today + dt.timedelta(days=rng.randint(7, 60))
        p.fields["leaving_reason"] = rng.choice(_LEAVING_REASONS)
    for p in settled[few * 2 : few * 2 + max(1, round(pupils * 0.015))]:
        p.fields["joining_date"] = next_term_start(today)
    return roll, [[roll[i] for i in members] for members in families]


class _Contacts:
    """Parents, carers and other contacts of one school's families, and their links."""

    def __init__(self, fake: Faker, number: int) -> None:
        self.fake = fake
        self.number = number
        self.people: list[PersonPlan] = []
        self.links: list[LinkPlan] = []

    def add(
        self,
        children: list[PersonPlan],
        *,
        female: bool,
        surname: str,
        relationship: str,
        responsibility: bool = True,
        priority: int = 1,
    ) -> None:
        fake = self.fake
        n = len(self.people) + 1
        first = fake.first_name_female() if female else fake.first_name_male()
        leaving = [c.fields.get("leaving_date") for c in children]
        fields: dict[str, Any] = {
            "person_type": PersonType.PARENT,
            "mis_id": f"C{self.number * 10000 + n}",
            "title": _title(fake, female),
            "first_name": first,
            "last_name": surname,
            "email": f"{_letters(first)}.{_letters(surname)}{n}@example.com",
            "phone": _phone(fake),
            "joining_date": min(c.fields["joining_date"] for c in children),
        }
        # A family leaves with its last child.
        if all(leaving):
            fields["leaving_date"] = max(d for d in leaving if d is not None)
            fields["leaving_reason"] = "Their last child at the school is leaving"
        self.people.append(PersonPlan(fields))
        self.links.extend(
            LinkPlan(child.mis_id, fields["mis_id"], relationship, responsibility, priority)
            for child in children
        )

    def family(self, children: list[PersonPlan]) -> None:
        """About 60% of families have two parents; the rest one. Some add another contact."""
        fake, rng = self.fake, self.fake.random
        surname = str(children[0].fields["last_name"])
        if rng.random() < 0.6:
            mother_first = rng.random() < 0.7
            self.add(
                children,
                female=True,
                surname=surname if rng.random() < 0.8 else fake.last_name(),
                relationship=Relationship.MOTHER,
                priority=1 if mother_first else 2,
            )
            self.add(
                children,
                female=False,
                surname=surname,
                relationship=Relationship.FATHER,
                priority=2 if mother_first else 1,
            )
            contacts = 2
        else:
            lone = rng.random()
            if lone < 0.75:
                female, relationship = True, Relationship.MOTHER
            elif lone < 0.93:
                female, relationship = False, Relationship.FATHER
            else:
                # A special guardian (often a grandparent) holds parental responsibility.
                female, relationship = rng.random() < 0.7, Relationship.GUARDIAN
            self.add(children, female=female, surname=surname, relationship=relationship)
            contacts = 1
        # Emergency contacts who are not parents hold no parental responsibility.
        extra = rng.random()
        if extra < 0.16:
            grandparent = extra < 0.12
            self.add(
                children,
                female=rng.random() < 0.6,
                surname=surname if grandparent and rng.random() < 0.5 else fake.last_name(),
                relationship=Relationship.GRANDPARENT if grandparent else Relationship.OTHER,
                responsibility=False,
                priority=contacts + 1,
            )


def _plan_pupils_and_families(
    fake: Faker, spec: SchoolSpec, number: int, pupils: int, today: dt.date
) -> SchoolPlan:
    roll, families = _plan_pupils(fake, spec, number, pupils, today)
    contacts = _Contacts(fake, number)
    for children in families:
        contacts.family(children)
    return SchoolPlan(people=roll + contacts.people, links=contacts.links)


def _leaders(spec: SchoolSpec) -> dict[Role, tuple[str, str]]:
    """Person type and job title of the staff member (or governor) holding each role."""
    secondary = spec.phase == "secondary"
    T, S = PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF
    return {
        Role.HEADTEACHER: (T, "Headteacher"),
        Role.DSL: (T, "Deputy Headteacher and Designated Safeguarding Lead"),
        Role.DEPUTY_DSL: (
            S,
            "Pastoral Manager and Deputy DSL"
            if secondary
            else "Family Support Worker (Deputy DSL)",
        ),
        Role.SIRO: (S, "School Business Manager (SIRO)"),
        Role.ICT_MANAGER: (S, "Network Manager" if secondary else "ICT Manager"),
        Role.TECHNICIAN: (S, "ICT Technician"),
        Role.OFFICE: (S, "Office Manager" if secondary else "School Administrator"),
        Role.TEACHER: (
            T,
            "Teacher of Computing" if secondary else f"Class Teacher ({_PRIMARY_TEACHER_CLASS})",
        ),
        Role.GOVERNOR: (PersonType.GOVERNOR, "Safeguarding and Online Safety Governor"),
    }


class _Emails:
    """Unique work addresses at one school's (reserved) domain."""

    def __init__(self, slug: str) -> None:
        self.domain = f"{slug}.example.org"
        self.used: set[str] = set()

    def __call__(self, first: str, last: str, suffix: str = "") -> str:
        base = f"{_letters(first)[:1]}.{_letters(last)}{suffix}"
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}{n}"
        self.used.add(candidate)
        return f"{candidate}@{self.domain}"


def _adult(fake: Faker, today: dt.date, female: bool, youngest: int, oldest: int) -> dict[str, Any]:
    born = _between(
        fake,
        dt.date(today.year - oldest, 1, 1),
        dt.date(today.year - youngest, 12, 31),
    )
    return {
        "title": _title(fake, female),
        "first_name": fake.first_name_female() if female else fake.first_name_male(),
        "last_name": fake.last_name(),
        "date_of_birth": born,
    }


def _hired(fake: Faker, fields: dict[str, Any], today: dt.date, days: tuple[int, int]) -> dt.date:
    """A start date ``days`` ago (a random number of them), but never before age 21."""
    born: dt.date = fields["date_of_birth"]
    earliest = max(today - dt.timedelta(days=days[1]), born.replace(year=born.year + 21, day=1))
    return _between(fake, earliest, today - dt.timedelta(days=days[0]))


def _plan_leaders(
    seed: int, spec: SchoolSpec, number: int, today: dt.date, emails: _Emails
) -> tuple[list[PersonPlan], list[OperatorPlan], Counter[str]]:
    """The role-holders and their sign-ins: independent of school size, so always the same.

    Also returns how many MIS ids of each prefix they used, so the rest continue from there.
    """
    fake = _faker(seed, spec.slug, "leaders")
    people: list[PersonPlan] = []
    operators: list[OperatorPlan] = []
    numbers: Counter[str] = Counter()
    for role, prefix in SCHOOL_ROLES:
        person_type, job_title = _leaders(spec)[role]
        fields = _adult(fake, today, fake.random.random() < 0.6, 28, 60)
        governor = person_type == PersonType.GOVERNOR
        username = f"{prefix}.{spec.slug}"
        id_prefix = "G" if governor else "S"
        numbers[id_prefix] += 1
        fields |= {
            "person_type": person_type,
            "mis_id": f"{id_prefix}{number * 1000 + numbers[id_prefix]}",
            "job_title": job_title,
            "email": emails(
                fields["first_name"], fields["last_name"], ".governor" if governor else ""
            ),
            "joining_date": _hired(fake, fields, today, (400, 15 * 365)),
        }
        people.append(PersonPlan(fields, username=username))
        operators.append(
            OperatorPlan(
                username,
                role,
                fields["first_name"],
                fields["last_name"],
                fields["email"],
                fields["mis_id"],
            )
        )
    return people, operators, numbers


_SECONDARY_SUBJECTS = (
    "English", "Mathematics", "Science", "Biology", "Chemistry", "Physics", "History",
    "Geography", "French", "Spanish", "Religious Education", "Art", "Music", "Drama",
    "Physical Education", "Design and Technology", "Food Technology", "Business Studies",
    "Psychology", "Sociology",
)  # fmt: skip
_SECONDARY_SUPPORT = (
    ("Teaching Assistant", 6), ("Cover Supervisor", 2), ("Receptionist", 1),
    ("Attendance Officer", 1), ("Exams Officer", 1), ("Data Manager", 1),
    ("Finance Officer", 1), ("Site Manager", 1), ("Librarian", 1), ("Science Technician", 1),
    ("Learning Mentor", 1),
)  # fmt: skip
_PRIMARY_SUPPORT = (
    ("Teaching Assistant", 8), ("Higher Level Teaching Assistant", 2), ("Midday Supervisor", 3),
    ("Receptionist", 1), ("Site Manager", 1), ("Breakfast Club Lead", 1),
)  # fmt: skip
_AGENCIES = (
    "Brightpath Education Recruitment",
    "Chalkboard Supply Ltd",
    "Horizon Teaching Staff",
)
_GOVERNORS = (
    "Chair of Governors",
    "Vice Chair of Governors",
    "Parent Governor",
    "Parent Governor",
    "Co-opted Governor",
    "Staff Governor",
    "Trust-appointed Governor",
)
_VOLUNTEERS = ("Reading volunteer", "PTA chair", "After-school club volunteer", "Library helper")
_VISITORS = (
    ("Educational Psychologist", "County Educational Psychology Service"),
    ("School Nurse", "Community School Nursing Team"),
    ("Attendance Caseworker", "Local Authority Attendance Service"),
)
_CONTRACTORS = (
    ("Network Engineer", "Apex Network Solutions Ltd"),
    ("Electrician", "Castle Building Services Ltd"),
    ("Catering Supervisor", "Greenline School Catering Ltd"),
)
_COMMUNITY = (
    ("Bookings lead", "Hillside Juniors Football Club"),
    ("Choir leader", "Riverbend Community Choir"),
    ("Club secretary", "Fairway Badminton Club"),
)


def _teaching_titles(spec: SchoolSpec, pupils: int) -> list[str]:
    """Job titles of the teachers besides the role-holders: a secondary has one teacher
    for about 15 pupils; a primary has a teacher per class, a SENCo and PPA cover."""
    subjects: Sequence[str]
    if spec.phase == "secondary":
        count = max(3, round(pupils / 15))
        titles = ["SENCo", "Assistant Headteacher"]
        titles += [f"Head of Year {y}" for y in range(7, 12)]
        titles += [f"Head of {s}" for s in _SECONDARY_SUBJECTS[:6]]
        subjects = _SECONDARY_SUBJECTS
    else:
        classes = sorted({form for _, form in _pupil_slots(spec.phase, pupils)})
        classes = [c for c in classes if c != _PRIMARY_TEACHER_CLASS]
        titles = ["SENCo", "PPA Cover Teacher"] + [f"Class Teacher ({c})" for c in classes]
        count = len(titles)
        subjects = ("Music", "PE", "French", "Art")
    n = 0
    while len(titles) < count:
        titles.append(f"Teacher of {subjects[n % len(subjects)]}")
        n += 1
    return titles[:count]


def _weighted_titles(table: Iterable[tuple[str, int]], count: int) -> list[str]:
    pool = [title for title, weight in table for _ in range(weight)]
    return [pool[i % len(pool)] for i in range(count)]


def _plan_community(
    seed: int,
    spec: SchoolSpec,
    number: int,
    pupils: int,
    today: dt.date,
    emails: _Emails,
    counters: Counter[str],
) -> list[PersonPlan]:
    """Staff beyond the role-holders (in proportion to the roll), supply, governors, others."""
    fake = _faker(seed, spec.slug, "community")
    rng = fake.random
    people: list[PersonPlan] = []
    counters = counters.copy()

    def add(prefix: str, fields: dict[str, Any], *, work_email: bool = True) -> dict[str, Any]:
        counters[prefix] += 1
        fields["mis_id"] = f"{prefix}{number * 1000 + counters[prefix]}"
        if work_email:
            fields["email"] = emails(fields["first_name"], fields["last_name"])
        people.append(PersonPlan(fields))
        return fields

    secondary = spec.phase == "secondary"
    support = max(3, round(pupils / (22 if secondary else 18)))
    staff: list[dict[str, Any]] = []
    titles = [(PersonType.TEACHING_STAFF, t) for t in _teaching_titles(spec, pupils)]
    support_table = _SECONDARY_SUPPORT if secondary else _PRIMARY_SUPPORT
    titles += [(PersonType.SUPPORT_STAFF, t) for t in _weighted_titles(support_table, support)]
    for person_type, title in titles:
        fields = _adult(fake, today, rng.random() < 0.7, 22, 64)
        fields |= {
            "person_type": person_type,
            "job_title": title,
            "joining_date": _hired(fake, fields, today, (60, 20 * 365)),
        }
        staff.append(add("S", fields))
    # One staff member leaving at the end of term and one starting next term.
    staff[-1]["leaving_date"] = today + dt.timedelta(days=rng.randint(14, 70))
    staff[-1]["leaving_reason"] = rng.choice(("Retirement", "New post at another school"))
    staff[-2]["joining_date"] = next_term_start(today)

    for _ in range(rng.randint(1, 3)):
        fields = _adult(fake, today, rng.random() < 0.6, 23, 62)
        fields |= {
            "person_type": PersonType.SUPPLY_STAFF,
            "job_title": rng.choice(("Supply Teacher", "Supply Teaching Assistant")),
            "organisation": rng.choice(_AGENCIES),
            "joining_date": today - dt.timedelta(days=rng.randint(2, 40)),
            "leaving_date": today + dt.timedelta(days=rng.randint(5, 70)),
            "leaving_reason": "End of supply booking",
        }
        add("S", fields)

    for title in _GOVERNORS[: 6 if secondary else 5]:
        fields = _adult(fake, today, rng.random() < 0.5, 30, 72)
        fields |= {
            "person_type": PersonType.GOVERNOR,
            "job_title": title,
            "joining_date": today - dt.timedelta(days=rng.randint(90, 8 * 365)),
        }
        fields["email"] = emails(fields["first_name"], fields["last_name"], ".governor")
        add("G", fields, work_email=False)

    def outsider(
        person_type: str, title: str, organisation: str, since: int, days: int | None
    ) -> None:
        fields = _adult(fake, today, rng.random() < 0.5, 20, 70)
        fields |= {
            "person_type": person_type,
            "job_title": title,
            "organisation": organisation,
            "email": f"{_letters(fields['first_name'])}.{_letters(fields['last_name'])}"
            f"{number}{counters['X'] + 1}@example.com",
            "phone": _phone(fake),
            "joining_date": today - dt.timedelta(days=rng.randint(1, since)),
        }
        if days is not None:
            fields["leaving_date"] = today + dt.timedelta(days=days)
            fields["leaving_reason"] = "End of visit or contract"
        add("X", fields, work_email=False)

    for title in rng.sample(_VOLUNTEERS, rng.randint(2, 3)):
        outsider(PersonType.VOLUNTEER, title, "", 1500, None)
    for title, organisation in rng.sample(_VISITORS, 2):
        outsider(PersonType.VISITOR, title, organisation, 20, rng.randint(1, 30))
    for title, organisation in rng.sample(_CONTRACTORS, rng.randint(1, 2)):
        outsider(PersonType.CONTRACTOR, title, organisation, 300, rng.randint(7, 120))
    title, organisation = _COMMUNITY[number % len(_COMMUNITY)]
    outsider(PersonType.COMMUNITY, title, organisation, 700, None)
    return people


# ---------------------------------------------------------------------------------------
# Writing.

_USER_FIELDS = ["username", "first_name", "last_name", "email"]


class _Loader:
    """One run of the demo: looks up what exists, writes what is missing, counts it."""

    def __init__(self, *, pupils: int, seed: int, today: dt.date) -> None:
        self.pupils = pupils
        self.seed = seed
        self.today = today
        self.created: Counter[str] = Counter()
        self.sign_ins: list[SignIn] = []
        self._password_hash = ""

    def password_hash(self) -> str:
        # Hashed once for every demo sign-in: the password is published anyway, and hashing
        # it per user with Argon2 would cost more than loading everything else.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def trust(self) -> Trust:
        trust = Trust.objects.filter(slug=TRUST_SLUG).first()
        if trust is None:
            trust = Trust.objects.create(name=TRUST_NAME, slug=TRUST_SLUG)
            audit_log(
                actor=None,
                action="trust.created",
                obj=trust,
                trust=trust,
                changes=diff({}, snapshot(trust, ["name", "slug"])),
            )
            self.created["trust"] += 1
        return trust

    def trust_admin(self, trust: Trust) -> None:
        fake = _faker(self.seed, TRUST_SLUG, "trust")
        first, last = fake.first_name_female(), fake.last_name()
        email = f"{_letters(first)}.{_letters(last)}@{TRUST_SLUG}.example.org"
        user, created = self._user(TRUST_ADMIN_USERNAME, first, last, email)
        if created:
            audit_log(
                actor=None,
                action="user.created",
                obj=user,
                trust=trust,
                changes=diff({}, snapshot(user, _USER_FIELDS)),
            )
        membership, created = Membership.objects.get_or_create(
            user=user, trust=trust, school=None, role=Role.TRUST_ADMIN
        )
        if created:
            self.created["memberships"] += 1
            audit_log(
                actor=None,
                action="membership.granted",
                obj=membership,
                trust=trust,
                changes={"user": [None, user.username], "role": [None, Role.TRUST_ADMIN.value]},
            )
        self.sign_ins.append(SignIn(user.username, Role.TRUST_ADMIN, TRUST_WIDE))

    def school(self, trust: Trust, spec: SchoolSpec, number: int) -> None:
        school = School.objects.filter(slug=spec.slug).first()
        if school is not None and school.trust_id != trust.pk:
            raise ServiceError(
                f"The school slug {spec.slug!r} belongs to {school.trust}, not the demo trust; "
                "load the demo into an empty database."
            )
        emails = _Emails(spec.slug)
        leaders, operators, used_ids = _plan_leaders(self.seed, spec, number, self.today, emails)
        if school is None:
            school = School.objects.create(
                trust=trust, name=spec.name, slug=spec.slug, urn=spec.urn, phase=spec.phase
            )
            audit_log(
                actor=None,
                action="school.created",
                obj=school,
                school=school,
                changes=diff({}, snapshot(school, ["name", "slug", "urn", "phase"])),
            )
            self.created["schools"] += 1
            users, new_users = self._users(school, operators)
            plan = _plan_pupils_and_families(
                _faker(self.seed, spec.slug, "pupils"), spec, number, self.pupils, self.today
            )
            community = _plan_community(
                self.seed, spec, number, self.pupils, self.today, emails, used_ids
            )
            people = self._people(school, leaders + community + plan.people, users)
            self._links(school, plan.links, people)
        else:
            users, new_users = self._users(school, operators)
            self._link_people(school, leaders, {u: users[u] for u in new_users})
        self._memberships(school, [(users[op.username], op.role) for op in operators])
        self.sign_ins.extend(SignIn(op.username, op.role, school.name) for op in operators)
        # Each area adds its own demo records (systems, agreements, filter groups...) in
        # ``<app>/demo.py`` as ``LOADERS``: callables (school=, today=, seed=) returning
        # {kind: count created}; each must add nothing when run again.
        for load in collect("demo", "LOADERS"):
            for kind, count in load(school=school, today=self.today, seed=self.seed).items():
                self.created[kind] += count

    def _user(self, username: str, first: str, last: str, email: str) -> tuple[User, bool]:
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user, False
        if User.objects.filter(email__iexact=email).exists():
            email = ""
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=email,
            password=self.password_hash(),
            # A demo convenience: real operators get a temporary password (policy duty
            # "Temporary passwords changed at first sign-in", docs/policy-map.md).
            must_change_password=False,
        )
        self.created["users"] += 1
        return user, True

    def _users(
        self, school: School, operators: list[OperatorPlan]
    ) -> tuple[dict[str, User], list[str]]:
        users: dict[str, User] = {}
        new: list[str] = []
        for op in operators:
            users[op.username], created = self._user(
                op.username, op.first_name, op.last_name, op.email
            )
            if created:
                new.append(op.username)
        audit_log_many(
            actor=None,
            action="user.created",
            items=[(users[u], diff({}, snapshot(users[u], _USER_FIELDS))) for u in new],
            school=school,
        )
        return users, new

    def _memberships(self, school: School, grants: list[tuple[User, str]]) -> None:
        held = set(
            Membership.objects.filter(school=school, user__in=[u for u, _ in grants]).values_list(
                "user_id", "role"
            )
        )
        granted = [
            Membership.objects.create(user=user, trust_id=school.trust_id, school=school, role=role)
            for user, role in grants
            if (user.pk, role) not in held
        ]
        self.created["memberships"] += len(granted)
        audit_log_many(
            actor=None,
            action="membership.granted",
            items=[(m, {"user": [None, m.user.username], "role": [None, m.role]}) for m in granted],
            school=school,
        )

    def _people(
        self, school: School, plans: list[PersonPlan], users: dict[str, User]
    ) -> dict[str, Person]:
        """Check each planned record against the register's rules, then write them in bulk.

        ``person_create`` would take the audit chain's lock once per person; in bulk, every
        record still gets its own ``person.created`` entry with the same content.
        """
        records: list[Person] = []
        # The school is new, so its MIS ids can clash only within the plan: checked here at
        # once rather than with one query per person.
        repeated = [i for i, n in Counter(p.mis_id for p in plans).items() if n > 1]
        if repeated:
            raise ServiceError(f"The demo planned MIS ids twice: {sorted(repeated)[:5]}")
        for plan in plans:
            unknown = set(plan.fields) - set(EDITABLE_FIELDS)
            if unknown:
                raise ServiceError(f"The demo sets fields people cannot have: {sorted(unknown)}")
            person = Person(school=school, **plan.fields)
            if plan.username:
                person.user = users[plan.username]
            problems = person_problems(person, check_unique=False)
            if problems:
                first = next(iter(problems.values()))[0]
                raise ServiceError(f"The demo planned an invalid record {plan.mis_id}: {first}")
            records.append(person)
        bulk_insert(Person, records)
        # Read back: the entries describe the rows as the database stored them.
        saved = list(Person.objects.filter(school=school).order_by("pk"))
        for person in saved:
            person.school = school  # known: not read again by each use of it
        audit_log_many(
            actor=None,
            action="person.created",
            items=[(p, diff({}, snapshot(p))) for p in saved],
            school=school,
        )
        # No ``person_leaving`` for the leavers among them: the school is new, so no area
        # holds anything of theirs yet; each area's demo loader writes its own records of
        # leavers as they would stand (the accounts' removal deadlines, for one).
        self.created.update(p.person_type for p in saved)
        return {p.mis_id: p for p in saved}

    def _links(self, school: School, links: list[LinkPlan], people: dict[str, Person]) -> None:
        made = [
            Guardianship(
                school_id=school.pk,
                pupil=people[link.pupil],  # each entry's description names both
                parent=people[link.parent],
                relationship=link.relationship,
                parental_responsibility=link.parental_responsibility,
                contact_priority=link.contact_priority,
            )
            for link in links
        ]
        bulk_insert(Guardianship, made)
        # Described as written, without reading them back: keys, a choice, a flag, a number
        # and the creation time bulk_insert stamped are stored exactly as they are here.
        audit_log_many(
            actor=None,
            action="guardianship.created",
            items=[(g, diff({}, snapshot(g))) for g in made],
            school=school,
        )
        self.created["guardianships"] += len(made)

    def _link_people(
        self, school: School, leaders: list[PersonPlan], new_users: dict[str, User]
    ) -> None:
        """Attach a re-created sign-in to its person record at an already-loaded school."""
        for plan in leaders:
            user = new_users.get(plan.username)
            if user is None:
                continue
            person = Person.objects.filter(
                school=school, mis_id=plan.mis_id, user__isnull=True
            ).first()
            if person is None:
                continue
            before = snapshot(person)
            person.user = user
            person.save(update_fields=["user", "updated_at"])
            audit_log(
                actor=None,
                action="person.updated",
                obj=person,
                changes=diff(before, snapshot(person)),
            )
            self.created["sign-ins linked to people"] += 1


@contextlib.contextmanager
def _collector_between_schools() -> Iterator[Callable[[], int]]:
    """Pause Python's cycle collector inside the block; it runs when the block calls the
    function it gives (after each school).

    A school is loaded as a few hundred thousand objects, kept while it is written: the
    collector would go through them again and again though they are not garbage (2.4 s of
    a ten-school load at a threshold of 100,000, 1.5 s collected once a school). What a
    school leaves behind is collected once it is written: the ten-school load peaked at
    207 MB, against 300 MB before.
    """

    def collect() -> int:
        # What is left after a collection lives on (Django's own objects and caches):
        # frozen, the next collection does not go through it again.
        found = gc.collect()
        gc.freeze()
        return found

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield collect
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def demo_load(*, schools: int = 2, pupils: int = 240, seed: int = 2026) -> DemoReport:
    """Load (or top up) the demo trust with ``schools`` schools of ``pupils`` pupils each.

    Everything is written in one transaction and audited as the system acting from the
    command line: one entry per record created, then a ``demo.loaded`` summary. A school
    that already exists is left as it is; missing schools, sign-ins and memberships are
    added, so running it again with the same arguments changes nothing.
    """
    if not 1 <= schools <= MAX_SCHOOLS:
        raise ServiceError(f"Choose between 1 and {MAX_SCHOOLS} demo schools.")
    if pupils < 1:
        raise ServiceError("Each demo school needs at least one pupil.")
    started = time.perf_counter()
    loader = _Loader(pupils=pupils, seed=seed, today=timezone.localdate())
    specs = SCHOOLS[:schools]
    with (
        _collector_between_schools() as collect_garbage,
        audit_context(via="cli"),
        transaction.atomic(),
    ):
        trust = loader.trust()
        loader.trust_admin(trust)
        for number, spec in enumerate(specs, start=1):
            loader.school(trust, spec, number)
            collect_garbage()
        if any(loader.created.values()):
            changes: dict[str, Any] = {kind: [0, n] for kind, n in sorted(loader.created.items())}
            changes |= {"seed": [None, seed], "pupils_per_school": [None, pupils]}
            audit_log(actor=None, action="demo.loaded", obj=trust, trust=trust, changes=changes)
    people = dict(
        Person.objects.filter(school__trust=trust)
        .values("person_type")
        .annotate(n=Count("pk"))
        .values_list("person_type", "n")
    )
    return DemoReport(
        trust=trust.name,
        schools=[spec.name for spec in specs],
        created=loader.created,
        people={t: people.get(t, 0) for t in PersonType.values},
        guardianships=Guardianship.objects.filter(school__trust=trust).count(),
        sign_ins=loader.sign_ins,
        seconds=time.perf_counter() - started,
    )
