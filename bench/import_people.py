"""Benchmark: the MIS import of a SIMS export into a fresh database (SQLite or PostgreSQL).

The issues' goals: 2,000 rows in at most 3 s on SQLite; 20,000 rows in at most 20 s with a
peak of at most 300 MB. This script makes a temporary database (the production SQLite
settings: WAL, immediate transactions; or, with ``--postgres``, a database of its own on
the local PostgreSQL), migrates it, generates a realistic SIMS "Student List" CSV and times
``people_import`` for

* the first import (every row a new pupil: one create and one audit entry each),
* the same file again (nothing changes), and
* a termly re-export (5 % of pupils change form, 2 % left, 2 % joined) with
  --mark-missing-as-leaving.

Each run of the three is a fresh Python process for a new school, ``--repeat`` times; the
median is reported, and the process's peak resident memory (``ru_maxrss``) beside it, so
memory is the import's own and not the migration's.

    .venv/bin/python bench/import_people.py [--rows 2000] [--repeat 3] [--contacts] [--postgres]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measured import (
    database,
    django_env,
    migrate,
    peak_rss_mb,
    run_child,
    setup_django,
    timing_line,
)

# Goals by file size (issues 1 and 16): seconds for the first import, and peak memory.
GOAL_SECONDS = {2000: 3.0, 20000: 20.0}
GOAL_MB = {20000: 300.0}
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


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``action``, and what it returned."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - start, time.process_time() - cpu, result


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One school's three imports, in this fresh process."""
    setup_django()
    from django.db import connection

    from warden.core.models import School
    from warden.core.tenancy import all_schools
    from warden.people.importing import people_import
    from warden.people.models import Person
    from warden.testing.factories import SchoolFactory

    work = Path(args.child)
    first_file = (work / "first.csv").read_bytes()
    term_file = (work / "term.csv").read_bytes()
    answer: dict[str, Any] = {"django_mb": peak_rss_mb()}
    # As `warden import-people` does: a command acts for every school (warden.core.tenancy).
    with all_schools():
        school: School = SchoolFactory.create(
            name=f"Bench Academy {args.attempt}", slug=f"bench-{args.attempt}"
        )

        def run(data: bytes, mark: bool = False) -> Any:
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

        wall, cpu, first = timed(lambda: run(first_file))
        assert first.outcome == "applied" and not first.errors, first.errors[:3]
        answer["first"] = [wall, cpu]
        answer["first_mb"] = peak_rss_mb()
        wall, cpu, again = timed(lambda: run(first_file))
        assert again.changes == 0, "a second import of the same file changed something"
        answer["again"] = [wall, cpu]
        wall, cpu, term = timed(lambda: run(term_file, mark=True))
        answer["next term"] = [wall, cpu]
        answer["people"] = Person.objects.filter(school=school).count()
    answer["counts"] = (
        f"first: {first.created} created; again: {again.changes} changes; next term: "
        f"{term.created} created, {term.updated} updated, {term.marked_leaving} leaving"
    )
    version = ".".join(str(part) for part in connection.get_database_version())
    answer["database"] = f"{connection.display_name} {version}"
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--contacts", action="store_true", help="add one parent per pupil")
    parser.add_argument(
        "--postgres", action="store_true", help="on PostgreSQL (127.0.0.1, user postgres)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--attempt", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(args.out).write_text(json.dumps(child(args)))
        return

    goal_seconds = GOAL_SECONDS.get(args.rows)
    goal_mb = GOAL_MB.get(args.rows)
    results: dict[str, list[list[float]]] = {"first": [], "again": [], "next term": []}
    peaks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="warden-bench-") as tmp:
        work = Path(tmp)
        rows = pupils(args.rows)
        (work / "first.csv").write_bytes(to_csv(rows, contacts=args.contacts))
        (work / "term.csv").write_bytes(to_csv(next_term(rows), contacts=args.contacts))
        postgres = "warden_bench_import" if args.postgres else ""
        with database(work, postgres=postgres) as url:
            env = django_env(work, url)
            migrate(env)
            for attempt in range(args.repeat):
                command = [__file__, "--child", str(work), "--attempt", str(attempt)]
                answer, peak = run_child(command, env, timeout=1800)
                for name in results:
                    results[name].append(answer[name])
                peaks.append(peak)
    print(f"{answer['database']}, Python {sys.version.split()[0]}")
    print(
        f"{args.rows} rows{' with one contact each' if args.contacts else ''}; "
        f"last school: {answer['people']} people"
    )
    print(answer["counts"])
    summary: dict[str, Any] = {"rows": args.rows, "contacts": args.contacts}
    for name, runs in results.items():
        times = [wall for wall, _cpu in runs]
        cpu = statistics.median(c for _w, c in runs)
        summary[name] = {"median_s": statistics.median(times), "cpu_s": cpu}
        print(timing_line(name, times, cpu, goal_seconds if name == "first" else None))
    peak = max(peaks)
    summary["peak_mb"] = peak
    summary["django_mb"] = answer["django_mb"]
    verdict = ""
    if goal_mb is not None:
        verdict = f" — {'within' if peak <= goal_mb else 'OVER'} the {goal_mb:.0f} MB goal"
    print(
        f"peak RSS of an import process: {peak:.0f} MB (Django loaded, before importing: "
        f"{answer['django_mb']:.0f} MB; after the first import: {answer['first_mb']:.0f} "
        f"MB){verdict}"
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
