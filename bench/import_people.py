"""Benchmark: the MIS import of a 2,000-pupil SIMS export into a fresh SQLite database.

The issue's goal: 2,000 rows in at most 3 s on SQLite. This script makes a temporary
database (the production SQLite settings: WAL, immediate transactions), migrates it,
generates a realistic SIMS "Student List" CSV and times ``people_import`` for

* the first import (every row a new pupil: 2,000 creates, 2,000 audit entries),
* the same file again (nothing changes), and
* a termly re-export (5 % of pupils change form, 2 % left, 2 % joined) with
  --mark-missing-as-leaving.

Each measurement runs for a new school, ``--repeat`` times; the median is reported.

    .venv/bin/python bench/import_people.py [--rows 2000] [--repeat 3] [--contacts]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOAL_SECONDS = 3.0
ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "Adno",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "Gender",
    "DOB",
    "Year",
    "Reg",
    "Admission Date",
]
CONTACT_HEADER = [
    "Contact 1 Name",
    "Contact 1 Relationship",
    "Contact 1 Parental Responsibility",
    "Contact 1 Email",
]


def setup_django(workdir: Path) -> None:
    os.environ["WARDEN_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warden.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pupils(count: int, seed: int = 42) -> list[dict[str, Any]]:
    """Secondary pupils across Years 7–11, eight forms a year, with UK names and dates."""
    import datetime as dt

    from faker import Faker

    fake = Faker("en_GB")
    Faker.seed(seed)
    rng = random.Random(seed)
    this_year = dt.date.today().year
    result = []
    for n in range(count):
        year = 7 + n % 5
        born = dt.date(this_year - year - 5, 9, 1) + dt.timedelta(days=rng.randrange(365))
        result.append(
            {
                "adno": f"{n + 1:06d}",
                "upn": f"H{rng.randrange(10**11, 10**12)}",
                "surname": fake.last_name(),
                "forename": fake.first_name(),
                "preferred": fake.first_name() if rng.random() < 0.05 else "",
                "gender": rng.choice("MF"),
                "dob": born,
                "year": year,
                "reg": f"{year}{'ABCDEFGH'[n % 8]}",
                "admitted": dt.date(this_year - (year - 7), 9, rng.choice([1, 2, 3, 4])),
                "contact": f"{fake.prefix()} {fake.first_name()} {fake.last_name()}",
                "contact_email": fake.email(),
            }
        )
    return result


def to_csv(rows: list[dict[str, Any]], *, contacts: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER + (CONTACT_HEADER if contacts else []))
    for p in rows:
        cells = [
            p["adno"],
            p["upn"],
            p["surname"],
            p["forename"],
            p["preferred"],
            p["gender"],
            f"{p['dob']:%d/%m/%Y}",
            f"Year {p['year']}",
            p["reg"],
            f"{p['admitted']:%d/%m/%Y}",
        ]
        if contacts:
            cells += [p["contact"], "Mother", "Yes", p["contact_email"]]
        writer.writerow(cells)
    # SIMS writes Windows line endings and Excel adds a byte-order mark.
    return b"\xef\xbb\xbf" + buffer.getvalue().replace("\n", "\r\n").encode("utf-8")


def next_term(rows: list[dict[str, Any]], seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    changed = [dict(p) for p in rows]
    for p in rng.sample(changed, len(changed) * 5 // 100):
        p["reg"] = f"{p['year']}{rng.choice('ABCDEFGH')}"
    leavers = set(rng.sample(range(len(changed)), len(changed) * 2 // 100))
    kept = [p for i, p in enumerate(changed) if i not in leavers]
    joiners = pupils(len(changed) * 2 // 100, seed=seed)
    for n, p in enumerate(joiners):
        p["adno"] = f"9{n:05d}"
    return kept + joiners


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contacts", action="store_true", help="add one parent per pupil")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="warden-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        from warden.core.models import AuditEntry, School
        from warden.people.importing import people_import
        from warden.people.models import Person
        from warden.testing.factories import SchoolFactory

        rows = pupils(args.rows)
        first_file = to_csv(rows, contacts=args.contacts)
        term_file = to_csv(next_term(rows), contacts=args.contacts)
        results: dict[str, list[float]] = {"first": [], "again": [], "next term": []}
        for attempt in range(args.repeat):
            school: School = SchoolFactory.create(
                name=f"Bench Academy {attempt}", slug=f"bench-{attempt}"
            )

            def run(data: bytes, mark: bool = False, school: Any = school) -> Any:
                return people_import(
                    actor=None,
                    school=school,
                    data=data,
                    filename="StudentList.csv",
                    source="",
                    mapping=None,
                    default_type="pupil",
                    dry_run=False,
                    skip_bad_rows=False,
                    mark_missing_as_leaving=mark,
                )

            seconds, first = timed(lambda: run(first_file))
            assert first.outcome == "applied" and not first.errors, first.errors[:3]
            results["first"].append(seconds)
            seconds, again = timed(lambda: run(first_file))
            assert again.changes == 0, "a second import of the same file changed something"
            results["again"].append(seconds)
            seconds, term = timed(lambda: run(term_file, mark=True))
            results["next term"].append(seconds)
        people = Person.objects.filter(school=school).count()
        with connection.cursor() as cursor:
            cursor.execute("select sqlite_version()")
            (sqlite_version,) = cursor.fetchone()
        print(f"SQLite {sqlite_version}, Python {sys.version.split()[0]}")
        print(
            f"{args.rows} rows{' with one contact each' if args.contacts else ''}; "
            f"last school: {people} people, {AuditEntry.objects.count()} audit entries in all"
        )
        print(
            f"first: {first.created} created; again: {again.changes} changes; next term: "
            f"{term.created} created, {term.updated} updated, {term.marked_leaving} leaving"
        )
        for name, times in results.items():
            median = statistics.median(times)
            verdict = "within" if median <= GOAL_SECONDS else "OVER"
            print(
                f"{name:>10}: median {median:.2f} s (min {min(times):.2f}, max "
                f"{max(times):.2f}) over {len(times)} — {verdict} the {GOAL_SECONDS:.0f} s goal"
            )


if __name__ == "__main__":
    main()
