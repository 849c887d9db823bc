"""CSV exports shaped like each MIS's own, written to a test's tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

SIMS_HEADER = [
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
ARBOR_HEADER = [
    "Student ID",
    "UPN",
    "First Name",
    "Last Name",
    "Preferred First Name",
    "Date of Birth",
    "Year Group",
    "Registration Form",
    "Start Date",
    "End Date",
    "Email",
]
BROMCOM_HEADER = [
    "Student Id",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "Date Of Birth",
    "Curriculum Year",
    "Registration Group",
    "Admission Date",
    "Leaving Date",
]
INTEGRIS_HEADER = [
    "Admission No",
    "UPN",
    "Surname",
    "Forename",
    "Known As",
    "Date of Birth",
    "NC Year",
    "Class",
    "Date of Admission",
    "Date of Leaving",
]

SURNAMES = ["Khan", "Smith", "Jones", "Patel", "Williams", "Brown", "Taylor", "Ahmed", "Evans"]
FORENAMES = ["Ava", "Noah", "Isla", "Mohammed", "Olivia", "Leo", "Amelia", "Oscar", "Freya"]


def sims_pupil(n: int, *, year: int = 7, reg: str | None = None) -> list[str]:
    """One realistic SIMS row; the same ``n`` always gives the same pupil."""
    born = dt.date(dt.date.today().year - year - 5, 1 + n % 12, 1 + n % 28)
    return [
        f"{1000 + n:06d}",
        f"A{801000000000 + n}",
        SURNAMES[n % len(SURNAMES)],
        FORENAMES[n % len(FORENAMES)],
        "",
        "F" if n % 2 else "M",
        f"{born:%d/%m/%Y}",
        f"Year {year}",
        reg or f"{year}{'ABCD'[n % 4]}",
        "03/09/2024",
    ]


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    above: Sequence[Sequence[str]] = (),
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerows(above)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def sims_pupils(count: int) -> list[list[str]]:
    return [sims_pupil(n) for n in range(count)]
