"""Benchmark: importing a 10,000-asset register CSV into a fresh SQLite database.

The issues' goals: 10,000 assets in at most 5 s on SQLite; 50,000 in at most 20 s
(``--rows 50000``). This script makes a temporary database (the production SQLite settings:
WAL, immediate transactions), migrates it, generates a register of laptops, tablets,
desktops and peripherals across 40 rooms and times ``assets_import`` for

* the first import (every row a new asset: 10,000 creates and audit entries, 40 locations),
* the same file again (nothing changes), and
* a later export where 5 % of assets moved room or had their security re-checked.

Each measurement runs for a new school, ``--repeat`` times; the median is reported.

    .venv/bin/python bench/import_assets.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
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

from measured import timing_line

# Goals by file size (the equipment issue and issue 16), for the first import.
GOAL_SECONDS = {10000: 5.0, 50000: 20.0}
ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "Asset Tag",
    "Type",
    "Manufacturer",
    "Model",
    "Serial Number",
    "Room",
    "Purchase Date",
    "Warranty End",
    "BitLocker",
    "Anti-virus",
    "MDM",
    "Screen lock",
    "Security checked",
]
MODELS = [
    ("Laptop", "Dell", "Latitude 3440"),
    ("Laptop", "Lenovo", "ThinkPad E14"),
    ("Tablet", "Apple", "iPad (10th generation)"),
    ("Chromebook", "Acer", "Chromebook Spin 511"),
    ("Desktop", "HP", "ProDesk 400 G9"),
    ("Projector", "Epson", "EB-X49"),
    ("Camera", "Canon", "PowerShot SX740"),
    ("Printer", "Brother", "HL-L5210DN"),
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


def assets(count: int, seed: int = 42) -> list[list[str]]:
    import datetime as dt

    rng = random.Random(seed)
    rows = []
    for n in range(count):
        kind, make, model = MODELS[n % len(MODELS)]
        bought = dt.date(2021, 9, 1) + dt.timedelta(days=rng.randrange(1400))
        rows.append(
            [
                f"WA{n + 1:06d}",
                kind,
                make,
                model,
                f"{make[:2].upper()}{rng.randrange(10**9, 10**10)}{n}",
                f"Room {1 + n % 40}",
                f"{bought:%d/%m/%Y}",
                f"{bought + dt.timedelta(days=3 * 365):%d/%m/%Y}",
                rng.choice(["Yes", "Yes", "Yes", "No"]),
                "Yes",
                rng.choice(["Yes", "No"]),
                "Yes",
                f"{bought + dt.timedelta(days=30):%d/%m/%Y}",
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().replace("\n", "\r\n").encode("utf-8")


def later(rows: list[list[str]], seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    changed = [list(row) for row in rows]
    for row in rng.sample(changed, len(changed) * 5 // 100):
        row[5] = f"Room {rng.randrange(1, 41)}"
        row[8] = "Yes"
        row[12] = "01/09/2026"
    return changed


CPU: dict[str, list[float]] = {}


def timed(action: Callable[[], Any], name: str) -> tuple[float, Any]:
    """Wall-clock seconds; the CPU seconds of this process are kept in ``CPU`` too, since on
    a shared machine the wall clock also measures the other processes' load."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    CPU.setdefault(name, []).append(time.process_time() - cpu)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    goal = GOAL_SECONDS.get(args.rows)

    with tempfile.TemporaryDirectory(prefix="warden-bench-") as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        from warden.core.models import AuditEntry, School
        from warden.core.tenancy import all_schools
        from warden.equipment.importing import assets_import
        from warden.equipment.models import Asset
        from warden.testing.factories import SchoolFactory

        # As `warden import-assets` does: a command acts for every school (warden.core.tenancy).
        with all_schools():
            rows = assets(args.rows)
            first_file = to_csv(rows)
            later_file = to_csv(later(rows))
            results: dict[str, list[float]] = {"first": [], "again": [], "later": []}
            for attempt in range(args.repeat):
                school: School = SchoolFactory.create(
                    name=f"Bench Academy {attempt}", slug=f"bench-{attempt}"
                )

                def run(data: bytes, school: Any = school) -> Any:
                    return assets_import(
                        actor=None, school=school, data=data, filename="assets.csv", dry_run=False
                    )

                seconds, first = timed(lambda: run(first_file), "first")
                assert first.outcome == "applied" and not first.errors, first.errors[:3]
                results["first"].append(seconds)
                seconds, again = timed(lambda: run(first_file), "again")
                assert again.changes == 0, "a second import of the same file changed something"
                results["again"].append(seconds)
                seconds, term = timed(lambda: run(later_file), "later")
                results["later"].append(seconds)
            count = Asset.objects.filter(school=school).count()
            with connection.cursor() as cursor:
                cursor.execute("select sqlite_version()")
                (sqlite_version,) = cursor.fetchone()
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
            print(
                f"SQLite {sqlite_version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
                f"load average {load:.1f}"
            )
            print(
                f"{args.rows} rows; last school: {count} assets, "
                f"{AuditEntry.objects.count()} audit entries in all"
            )
            print(
                f"first: {first.created} created; again: {again.changes} changes; "
                f"later: {term.updated} updated"
            )
            for name, times in results.items():
                cpu = statistics.median(CPU[name])
                print(timing_line(name, times, cpu, goal if name == "first" else None))


if __name__ == "__main__":
    main()
