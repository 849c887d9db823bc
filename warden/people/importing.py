"""The MIS import: people exported from SIMS, Arbor, Bromcom or RM Integris as CSV.

Two steps. ``parse_file`` is pure: it decodes the bytes, finds the header, picks the column
mapping and turns every row into typed values, collecting errors with the line number a
spreadsheet shows (the header is line 1) and the column's name. ``people_import`` then
compares the rows with the register, checks each new or changed record against the
register's own rules (``person_problems``), and, only when nothing is wrong (or the user
chose to skip bad rows), writes every change in one transaction with bulk queries, audited
person by person. The same file imported twice changes nothing the second time.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from warden.core.audit import audit_log, audit_log_many, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.lib.textcheck import control_character_refusal
from warden.people.models import (
    Guardianship,
    ImportProfile,
    ImportRun,
    MisSource,
    Person,
    PersonType,
    Relationship,
)
from warden.people.services import EDITABLE_FIELDS, person_problems
from warden.people.signals import people_changed, person_leaving

# --- what a file may map -------------------------------------------------------------------

# Person fields an import may set. Notes are left out on purpose: they are written in Warden,
# and an export that happened to have a "Notes" column must not wipe them.
PERSON_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "notes")
# A contacts export has one row per contact of a pupil: these link the row to the pupil.
LINK_FIELDS = ("pupil_mis_id", "relationship", "parental_responsibility", "contact_priority")
MAPPABLE_FIELDS = PERSON_FIELDS + LINK_FIELDS

FIELD_LABELS: dict[str, str] = {
    "mis_id": "MIS id",
    "upn": "UPN",
    "person_type": "Type",
    "title": "Title",
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "email": "E-mail",
    "phone": "Phone",
    "year_group": "Year group",
    "form": "Form / class",
    "job_title": "Job title",
    "organisation": "Organisation",
    "joining_date": "Joining date",
    "leaving_date": "Leaving date",
    "leaving_reason": "Leaving reason",
    "pupil_mis_id": "Pupil's MIS id (contacts export)",
    "relationship": "Relationship to pupil",
    "parental_responsibility": "Parental responsibility",
    "contact_priority": "Contact priority",
}
REQUIRED_FIELDS = ("mis_id", "first_name", "last_name")
DATE_FIELDS = frozenset({"date_of_birth", "joining_date", "leaving_date"})

# Column names each MIS uses in its standard student and staff exports, best first. The first
# name of each list is what that system itself calls the column, so it scores double when
# recognising which system a file came from.
SOURCE_HEADERS: dict[str, dict[str, list[str]]] = {
    MisSource.SIMS: {
        "mis_id": ["Adno", "Admission Number", "Staff Code"],
        "upn": ["UPN"],
        "title": ["Title"],
        "first_name": ["Legal Forename", "Forename"],
        "last_name": ["Legal Surname", "Surname"],
        "preferred_name": ["Preferred Forename"],
        "date_of_birth": ["DOB", "Date of Birth"],
        "email": ["Primary Email", "Email"],
        "phone": ["Primary Telephone", "Telephone"],
        "year_group": ["Year", "NC Year"],
        "form": ["Reg", "Reg Group"],
        "job_title": ["Role"],
        "joining_date": ["Admission Date", "Employment Start Date"],
        "leaving_date": ["Leaving Date", "Employment End Date"],
        "leaving_reason": ["Reason for Leaving"],
        "pupil_mis_id": ["Pupil Adno"],
    },
    MisSource.ARBOR: {
        "mis_id": ["Student ID", "Staff ID", "Arbor ID"],
        "upn": ["UPN"],
        "title": ["Title"],
        "first_name": ["Legal First Name", "First Name"],
        "last_name": ["Legal Last Name", "Last Name"],
        "preferred_name": ["Preferred First Name"],
        "date_of_birth": ["Date of Birth"],
        "email": ["Email", "Email Address"],
        "phone": ["Mobile Phone", "Phone"],
        "year_group": ["Year Group"],
        "form": ["Registration Form"],
        "job_title": ["Job Title"],
        "joining_date": ["Start Date", "Enrolment Start Date"],
        "leaving_date": ["End Date", "Enrolment End Date"],
        "leaving_reason": ["Leaving Reason"],
        "pupil_mis_id": ["Student Arbor ID"],
    },
    MisSource.BROMCOM: {
        "mis_id": ["Student Id", "Admission No", "Staff Id"],
        "upn": ["UPN"],
        "title": ["Title"],
        "first_name": ["Legal Forename", "Forename"],
        "last_name": ["Legal Surname", "Surname"],
        "preferred_name": ["Preferred Forename"],
        "date_of_birth": ["Date Of Birth"],
        "email": ["Student Email", "Email"],
        "phone": ["Mobile", "Telephone"],
        "year_group": ["Curriculum Year", "Year"],
        "form": ["Registration Group", "Tutor Group"],
        "job_title": ["Job Title"],
        "joining_date": ["Admission Date", "Start Date"],
        "leaving_date": ["Leaving Date", "End Date"],
        "leaving_reason": ["Leaving Reason"],
        "pupil_mis_id": ["Student Id (Pupil)"],
    },
    MisSource.INTEGRIS: {
        "mis_id": ["Admission No", "Pupil ID", "Staff ID"],
        "upn": ["UPN"],
        "title": ["Title"],
        "first_name": ["Forename", "Legal Forename"],
        "last_name": ["Surname", "Legal Surname"],
        "preferred_name": ["Known As"],
        "date_of_birth": ["Date of Birth", "DOB"],
        "email": ["Email"],
        "phone": ["Telephone"],
        "year_group": ["NC Year", "Year"],
        "form": ["Class", "Reg Group"],
        "job_title": ["Post"],
        "joining_date": ["Date of Admission", "Start Date"],
        "leaving_date": ["Date of Leaving", "Leaving Date"],
        "leaving_reason": ["Reason for Leaving"],
        "pupil_mis_id": ["Pupil Admission No"],
    },
}
# Names any export might use, tried after the system's own (and alone for "other" files).
COMMON_HEADERS: dict[str, list[str]] = {
    "mis_id": ["MIS ID", "Contact ID", "Person ID", "ID"],
    "upn": ["UPN", "Unique Pupil Number"],
    "person_type": ["Type", "Person Type", "Category"],
    "title": ["Title"],
    "first_name": ["First Name", "Forename", "Given Name", "Legal Forename", "Legal First Name"],
    "last_name": ["Last Name", "Surname", "Family Name", "Legal Surname", "Legal Last Name"],
    "preferred_name": ["Preferred Name", "Preferred Forename", "Preferred First Name", "Known As"],
    "date_of_birth": ["Date of Birth", "DOB", "Birth Date"],
    "email": ["Email", "Email Address", "E-mail", "Primary Email", "Work Email"],
    "phone": ["Phone", "Telephone", "Mobile", "Mobile Phone", "Work Telephone"],
    "year_group": ["Year Group", "Year", "NC Year", "Curriculum Year"],
    "form": [
        "Form",
        "Reg Group",
        "Registration Group",
        "Registration Form",
        "Tutor Group",
        "Class",
    ],
    "job_title": ["Job Title", "Role", "Post"],
    "organisation": ["Organisation", "Organization", "Company", "Agency"],
    "joining_date": ["Start Date", "Joining Date", "Admission Date", "Date of Admission"],
    "leaving_date": ["Leaving Date", "End Date", "Date of Leaving"],
    "leaving_reason": ["Leaving Reason", "Reason for Leaving"],
    "pupil_mis_id": ["Pupil Adno", "Student Adno", "Pupil MIS ID", "Pupil Admission No"],
    "relationship": ["Relationship", "Relationship to Pupil", "Relationship to Student"],
    "parental_responsibility": ["Parental Responsibility", "Has Parental Responsibility", "PR"],
    "contact_priority": ["Priority", "Contact Priority", "Contact Order"],
}

# "Contact 1 Name", "Parent 2 Email", "Contact1 Relationship": contacts carried on a pupil's
# own row, numbered from 1 in the order the MIS lists them.
_CONTACT_COLUMN = re.compile(r"^(?:contact|parent|carer|guardian)\s*(\d{1,2})\s+(.+)$")
_CONTACT_PARTS = {
    "name": "name",
    "full name": "name",
    "title": "title",
    "forename": "first_name",
    "first name": "first_name",
    "surname": "last_name",
    "last name": "last_name",
    "relationship": "relationship",
    "relation": "relationship",
    "parental responsibility": "parental_responsibility",
    "pr": "parental_responsibility",
    "email": "email",
    "email address": "email",
    "telephone": "phone",
    "phone": "phone",
    "mobile": "phone",
    "mobile phone": "phone",
    "id": "mis_id",
    "contact id": "mis_id",
    "priority": "contact_priority",
}

TYPE_WORDS: dict[str, str] = {
    **{value: value for value in PersonType.values},
    "pupil": PersonType.PUPIL,
    "student": PersonType.PUPIL,
    "learner": PersonType.PUPIL,
    "teacher": PersonType.TEACHING_STAFF,
    "teaching": PersonType.TEACHING_STAFF,
    "teaching staff": PersonType.TEACHING_STAFF,
    "support": PersonType.SUPPORT_STAFF,
    "support staff": PersonType.SUPPORT_STAFF,
    "associate staff": PersonType.SUPPORT_STAFF,
    "non teaching": PersonType.SUPPORT_STAFF,
    "non teaching staff": PersonType.SUPPORT_STAFF,
    "supply": PersonType.SUPPLY_STAFF,
    "supply staff": PersonType.SUPPLY_STAFF,
    "temporary": PersonType.SUPPLY_STAFF,
    "parent": PersonType.PARENT,
    "carer": PersonType.PARENT,
    "parent carer": PersonType.PARENT,
    "contact": PersonType.PARENT,
    "governor": PersonType.GOVERNOR,
    "volunteer": PersonType.VOLUNTEER,
    "visitor": PersonType.VISITOR,
    "contractor": PersonType.CONTRACTOR,
    "community": PersonType.COMMUNITY,
    "community user": PersonType.COMMUNITY,
}

RELATIONSHIP_WORDS: dict[str, str] = {
    "mother": Relationship.MOTHER,
    "mum": Relationship.MOTHER,
    "father": Relationship.FATHER,
    "dad": Relationship.FATHER,
    "carer": Relationship.CARER,
    "foster carer": Relationship.CARER,
    "foster mother": Relationship.CARER,
    "foster father": Relationship.CARER,
    "guardian": Relationship.GUARDIAN,
    "legal guardian": Relationship.GUARDIAN,
    "special guardian": Relationship.GUARDIAN,
    "grandparent": Relationship.GRANDPARENT,
    "grandmother": Relationship.GRANDPARENT,
    "grandfather": Relationship.GRANDPARENT,
}
# When an export leaves parental responsibility blank, only these are assumed to hold it:
# assuming it for an aunt or a neighbour would hand them information they must not have.
_ASSUMED_RESPONSIBILITY = frozenset(
    {Relationship.MOTHER, Relationship.FATHER, Relationship.GUARDIAN}
)
_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})

MISSING_REASON = "Not in the MIS export"
PREVIEW_ROWS = 10


def normalise(header: str) -> str:
    """A header reduced to lower-case words, so "Date Of Birth" matches "date of birth"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.casefold()).split())


# --- values --------------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-]([a-z]+)\.?[ \-,]+(\d{2}|\d{4})$")
# Spreadsheets often add a midnight time to dates ("01/09/2024 00:00:00").
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
DATE_HINT = "write it as dd/mm/yyyy, e.g. 01/09/2024"


def parse_date(raw: str) -> dt.date | None:
    """A date as UK schools write it: dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd or 1 Sep 2024.

    Day first, always: an MIS in England exports day-first dates, and guessing between
    03/04 as March or April would silently put pupils in the wrong year. Two-digit years are
    refused for the same reason (is "65" 1965 or 2065?).
    """
    text = _TIME_SUFFIX.sub("", raw.strip()).strip().casefold()
    if not text:
        return None
    parts: tuple[str, str, str] | None = None
    month: int | None = None
    if match := _ISO_DATE.match(text):
        year_s, month_s, day_s = match.groups()
        parts = (day_s, month_s, year_s)
    elif match := _UK_DATE.match(text):
        parts = (match[1], match[2], match[3])
    elif match := _WORDY_DATE.match(text):
        month = _MONTHS.get(match[2])
        if month is None:
            raise ValueError(f"“{raw.strip()}” has no month Warden knows; {DATE_HINT}.")
        parts = (match[1], str(month), match[3])
    if parts is None:
        raise ValueError(f"“{raw.strip()}” is not a date Warden can read; {DATE_HINT}.")
    day_s, month_s, year_s = parts
    if len(year_s) != 4:
        raise ValueError(f"“{raw.strip()}” has a two-digit year; write the year in full.")
    try:
        return dt.date(int(year_s), int(month_s), int(day_s))
    except ValueError:
        raise ValueError(
            f"“{raw.strip()}” is not a real date (day first: dd/mm/yyyy); check it in the MIS."
        ) from None


_YEAR_NUMBER = re.compile(r"^(?:year|yr|y|nc year|nc)?\s*(\d{1,2})$")
_NURSERY = frozenset({"n", "n1", "n2", "nur", "nursery", "fs1", "f1", "year n", "pre school"})
_RECEPTION = frozenset({"r", "rec", "reception", "yr", "year r", "fs2", "f2", "yr r", "y r"})


def parse_year_group(raw: str) -> int | None:
    """Year groups as MIS exports write them: "Year 7", "Y7", "7", "R", "Reception", "N"."""
    text = normalise(raw)
    if not text:
        return None
    if text in _NURSERY:
        return -1
    if text in _RECEPTION:
        return 0
    if match := _YEAR_NUMBER.match(text):
        number = int(match[1])
        if 1 <= number <= 13:
            return number
    raise ValueError(
        f"“{raw.strip()}” is not a year group; use Nursery, Reception or Year 1 to Year 13."
    )


def parse_upn(raw: str) -> str:
    """A UPN as the MIS holds it, in capitals; the register checks its shape."""
    return "".join(raw.split()).upper()


def parse_person_type(raw: str) -> str | None:
    text = normalise(raw).replace(" / ", " ")
    if not text:
        return None
    found = TYPE_WORDS.get(text) or TYPE_WORDS.get(text.replace(" ", "_"))
    if found is None:
        labels = {normalise(label): value for value, label in PersonType.choices}
        found = labels.get(text)
    if found is None:
        raise ValueError(
            f"“{raw.strip()}” is not a type of person Warden knows; use one of: "
            + ", ".join(str(label) for label in PersonType.labels)
            + "."
        )
    return str(found)


def parse_relationship(raw: str) -> str:
    text = normalise(raw).replace("step ", "step")
    return str(RELATIONSHIP_WORDS.get(text, Relationship.OTHER))


def parse_yes_no(raw: str) -> bool | None:
    text = normalise(raw)
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(f"“{raw.strip()}” should be Yes or No.")


def parse_priority(raw: str) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= 99:
        return int(text)
    raise ValueError(f"“{text}” should be a contact order number: 1, 2, 3 …")


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "lady"})


def split_name(full: str) -> tuple[str, str, str]:
    """(title, first name, last name) from "Mrs Jane Smith" or "Smith, Jane" as exported."""
    text = " ".join(full.split())
    if "," in text:
        last, _, rest = text.partition(",")
        words = rest.split()
        title = words.pop(0) if words and words[0].rstrip(".").casefold() in _TITLES else ""
        return title, " ".join(words), last.strip()
    words = text.split()
    title = words.pop(0) if len(words) > 1 and words[0].rstrip(".").casefold() in _TITLES else ""
    if not words:
        return title, "", ""
    return title, " ".join(words[:-1]), words[-1]


# --- reading the file ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem, at the line a spreadsheet shows (the header is line 1) and its column."""

    line: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}: {self.column}: " if self.column else f"line {self.line}: "
        return where + self.message


@dataclass(frozen=True)
class Table:
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    delimiter: str
    encoding: str


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    Excel's "CSV UTF-8" adds a byte-order mark; older SIMS and Integris exports are Windows
    code page 1252 (a £ or an accented name is what tells them apart).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


_DELIMITERS = (",", "\t", ";", "|")


def sniff_delimiter(text: str) -> str:
    """The separator that splits the opening lines most consistently (commas by default).

    Judged by how many lines share the same count of it, so a title line above the header
    or a comma inside a quoted name does not decide.
    """
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines if delimiter in line]
        if not counts:
            continue
        count, lines_agreeing = Counter(counts).most_common(1)[0]
        score = (lines_agreeing, count)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_KNOWN_HEADERS = frozenset(
    normalise(name)
    for table in [*SOURCE_HEADERS.values(), COMMON_HEADERS]
    for names in table.values()
    for name in names
)


def _header_score(cells: list[str]) -> int:
    return sum(
        1
        for cell in cells
        if normalise(cell) in _KNOWN_HEADERS or _CONTACT_COLUMN.match(normalise(cell))
    )


def read_table(data: bytes) -> Table:
    """Rows of a CSV export, with the header found among the opening lines.

    Some MIS reports put a title and a blank line above the header; the header is the
    opening line naming the most columns Warden knows (at least two), else the first line.
    """
    return read_csv_table(
        data, _header_score, empty="The file is empty; export the people from the MIS again."
    )


def read_csv_table(data: bytes, header_score: Callable[[list[str]], int], *, empty: str) -> Table:
    """Rows of any CSV export Warden imports (people, assets, installations...).

    The header is the one of the opening ten lines that ``header_score`` rates highest (two
    known columns at least), else the first non-blank line; ``empty`` is the message for an
    empty file. Excel workbooks, unreadable files and files holding a control character
    (``warden.lib.textcheck``) are refused with what to do instead, before any row is read.
    """
    if not data.strip():
        raise ServiceError(empty)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ServiceError(
            "This is an Excel workbook, not a CSV file. In Excel choose File → Save As → "
            "“CSV UTF-8 (comma delimited)” and upload that."
        )
    text, encoding = decode(data)
    refusal = control_character_refusal(text)
    if refusal:
        raise ServiceError(refusal)
    delimiter = sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ServiceError(f"The file cannot be read as CSV ({exc}); export it again.") from None
    header_index = 0
    best = 1
    for index, cells in enumerate(records[:10]):
        score = header_score(cells)
        if score > best:
            header_index, best = index, score
    if best <= 1:
        header_index = next(
            (i for i, cells in enumerate(records) if any(c.strip() for c in cells)), 0
        )
    header = [cell.strip() for cell in records[header_index]] if records else []
    rows = [
        (index + 1, cells)
        for index, cells in enumerate(records)
        if index > header_index and any(cell.strip() for cell in cells)
    ]
    return Table(header, header_index + 1, rows, delimiter, encoding)


# --- recognising the MIS and mapping its columns ------------------------------------------


def source_scores(header: Iterable[str]) -> dict[str, int]:
    """How well each MIS's own column names fit this header (its favourite names count 2)."""
    present = {normalise(h) for h in header}
    scores: dict[str, int] = {}
    for source, fields in SOURCE_HEADERS.items():
        score = 0
        for names in fields.values():
            for position, name in enumerate(names):
                if normalise(name) in present:
                    score += 2 if position == 0 else 1
                    break
        scores[str(source)] = score
    return scores


def detect_source(header: Iterable[str]) -> str:
    """The MIS that most likely wrote this header, or "other" when none fits well."""
    scores = source_scores(header)
    source, score = max(scores.items(), key=lambda item: item[1])
    # Three or so well-named columns are needed before guessing a system at all.
    return source if score >= 6 else str(MisSource.OTHER)


def default_mapping(source: str, header: list[str]) -> dict[str, str]:
    """``{field: column}`` for every mappable field ("" when the file has no such column)."""
    by_name: dict[str, str] = {}
    for column in header:
        by_name.setdefault(normalise(column), column)
    names = SOURCE_HEADERS.get(source, {})
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for name in MAPPABLE_FIELDS:
        mapping[name] = ""
        for candidate in [*names.get(name, []), *COMMON_HEADERS.get(name, [])]:
            found = by_name.get(normalise(candidate))
            if found is not None and found not in used:
                mapping[name] = found
                used.add(found)
                break
    return mapping


PRESETS = (MisSource.SIMS, MisSource.ARBOR, MisSource.BROMCOM, MisSource.INTEGRIS)


def preset_refusal(source: str, header: list[str], missing: list[str]) -> str:
    """Why a file does not fit its MIS's preset: the standard report's columns it lacks.

    For a file no preset recognised ("other"), the closest preset is named, so the school
    can export the standard report again, or map its own columns on the preview page.
    """
    present = {normalise(column) for column in header}
    if source in SOURCE_HEADERS:
        preset = source
        intro = f"Compared with {MisSource(source).label}'s standard report, this file"
    else:
        scores = source_scores(header)
        preset = max(PRESETS, key=lambda name: scores[str(name)])
        intro = (
            "Warden could not tell which MIS wrote this file. Compared with the closest, "
            f"{MisSource(preset).label}'s standard report, it"
        )
    names = SOURCE_HEADERS[preset]
    lacking = [
        f"“{names[name][0]}” ({FIELD_LABELS[name]})"
        for name in ("mis_id", "first_name", "last_name", "date_of_birth", "year_group", "form")
        if name in missing or not any(normalise(n) in present for n in names.get(name, []))
    ]
    return (
        f"{intro} is missing {', '.join(lacking)}. Export that report again, "
        "choose the MIS the file came from, or map this file's own columns on the preview."
    )


def resolve_mapping(school: School, source: str, header: list[str]) -> dict[str, str]:
    """The school's remembered mapping for this MIS, filled in from the defaults.

    A remembered column the new file lacks falls back to the default; a field the user set
    to "not imported" stays so.
    """
    mapping = default_mapping(source, header)
    profile = ImportProfile.objects.filter(school=school, source=source).first()
    if profile is None:
        return mapping
    by_name = {normalise(column): column for column in header}
    for name, column in dict(profile.mapping).items():
        if name not in mapping:
            continue
        if column == "":
            mapping[name] = ""
        elif normalise(str(column)) in by_name:
            mapping[name] = by_name[normalise(str(column))]
    return mapping


def contact_columns(header: list[str]) -> dict[int, dict[str, int]]:
    """``{contact number: {part: column index}}`` for "Contact 1 Name"-style columns."""
    contacts: dict[int, dict[str, int]] = {}
    for index, column in enumerate(header):
        match = _CONTACT_COLUMN.match(normalise(column))
        if not match:
            continue
        part = _CONTACT_PARTS.get(match[2])
        if part is not None:
            contacts.setdefault(int(match[1]), {}).setdefault(part, index)
    return dict(sorted(contacts.items()))


# --- parsing rows --------------------------------------------------------------------------


@dataclass
class ContactRow:
    """A parent or carer named on a pupil's row."""

    column: str  # where to point errors, e.g. "Contact 1 Name"
    key: tuple[str, ...]
    values: dict[str, Any]
    relationship: str
    parental_responsibility: bool
    priority: int


@dataclass
class ParsedRow:
    line: int
    values: dict[str, Any]
    person_type: str | None
    contacts: list[ContactRow] = field(default_factory=list)
    # A row with a parse error is kept, so that its person still counts as present in the
    # file and is never marked as leaving.
    bad: bool = False
    # A contacts export: the pupil this contact belongs to, and how.
    pupil_mis_id: str = ""
    relationship: str = ""
    parental_responsibility: bool = True
    priority: int = 1


@dataclass
class ParsedFile:
    table: Table
    source: str
    detected_source: str
    mapping: dict[str, str]
    default_type: str | None
    rows: list[ParsedRow]
    # Problems with the file as a whole (a missing column): never skippable.
    file_errors: list[RowError]
    row_errors: list[RowError]

    @property
    def errors(self) -> list[RowError]:
        return [*self.file_errors, *self.row_errors]

    @property
    def contacts_export(self) -> bool:
        return bool(self.mapping.get("pupil_mis_id"))


def parse_file(
    data: bytes,
    *,
    source: str = "",
    mapping: Mapping[str, str] | None = None,
    default_type: str | None = None,
    school: School | None = None,
) -> ParsedFile:
    """Read and check every row without touching the register.

    ``source`` "" detects the MIS; ``mapping`` None uses the school's remembered mapping
    (when ``school`` is given) or the MIS's defaults.
    """
    table = read_table(data)
    detected = detect_source(table.header)
    source = source or detected
    if source not in MisSource.values:
        raise ServiceError(f"“{source}” is not an MIS Warden imports from.")
    if default_type is not None and default_type not in PersonType.values:
        raise ServiceError(f"“{default_type}” is not a type of person.")
    file_errors: list[RowError] = []
    if mapping is None:
        resolved = (
            resolve_mapping(school, source, table.header)
            if school is not None
            else default_mapping(source, table.header)
        )
    else:
        resolved = {name: "" for name in MAPPABLE_FIELDS}
        unknown = sorted(set(mapping) - set(MAPPABLE_FIELDS))
        if unknown:
            raise ServiceError(f"These fields cannot be imported: {', '.join(unknown)}.")
        for name, column in mapping.items():
            column = (column or "").strip()
            if column and column not in table.header:
                file_errors.append(
                    RowError(
                        table.header_line,
                        column,
                        f"{FIELD_LABELS[name]} is mapped to “{column}”, "
                        "which this file does not have; choose another column.",
                    )
                )
                continue
            resolved[name] = column
    contacts_export = bool(resolved.get("pupil_mis_id"))
    if contacts_export and default_type is None and not resolved.get("person_type"):
        default_type = PersonType.PARENT
    missing = [name for name in REQUIRED_FIELDS if not resolved.get(name)]
    for name in missing:
        file_errors.append(
            RowError(
                table.header_line,
                "",
                f"No column is chosen for {FIELD_LABELS[name]}; every row needs one "
                + (
                    "so that importing again updates people instead of adding them twice."
                    if name == "mis_id"
                    else "."
                ),
            )
        )
    if missing and mapping is None:
        file_errors.append(
            RowError(table.header_line, "", preset_refusal(source, table.header, missing))
        )
    if default_type is None and not resolved.get("person_type"):
        file_errors.append(
            RowError(
                table.header_line,
                "",
                "Say what kind of people this file holds (pupils, staff …) "
                "or choose the column that gives each person's type.",
            )
        )
    if default_type == PersonType.PUPIL and not resolved.get("year_group"):
        file_errors.append(
            RowError(
                table.header_line,
                "",
                "Pupils need a year group: choose the column that holds it.",
            )
        )
    parsed = ParsedFile(
        table=table,
        source=source,
        detected_source=detected,
        mapping=resolved,
        default_type=default_type,
        rows=[],
        file_errors=file_errors,
        row_errors=[],
    )
    if file_errors:
        return parsed
    _parse_rows(parsed)
    return parsed


_PARSERS = {
    "upn": parse_upn,
    "date_of_birth": parse_date,
    "joining_date": parse_date,
    "leaving_date": parse_date,
    "year_group": parse_year_group,
    "person_type": parse_person_type,
}


def _parse_rows(parsed: ParsedFile) -> None:
    header = parsed.table.header
    index = {column: position for position, column in reversed(list(enumerate(header)))}
    person_columns = [
        (name, column, index[column])
        for name in PERSON_FIELDS
        if (column := parsed.mapping.get(name, ""))
    ]
    link_columns = {
        name: (column, index[column])
        for name in LINK_FIELDS
        if (column := parsed.mapping.get(name, ""))
    }
    contacts = {} if parsed.contacts_export else contact_columns(header)
    for line, cells in parsed.table.rows:
        errors: list[RowError] = []

        def cell(position: int, cells: list[str] = cells) -> str:
            return cells[position].strip() if position < len(cells) else ""

        values: dict[str, Any] = {}
        for name, column, position in person_columns:
            raw = cell(position)
            parser = _PARSERS.get(name)
            if parser is None:
                values[name] = " ".join(raw.split()) if name != "mis_id" else raw
                continue
            try:
                values[name] = parser(raw)
            except ValueError as exc:
                errors.append(RowError(line, column, str(exc)))
        person_type = values.pop("person_type", None) or parsed.default_type
        row = ParsedRow(line=line, values=values, person_type=person_type)
        if parsed.contacts_export:
            _parse_link(row, link_columns, cell, errors)
        elif person_type == PersonType.PUPIL and contacts:
            for number, parts in contacts.items():
                pupil_mis_id = str(values.get("mis_id", ""))
                contact = _parse_contact(line, pupil_mis_id, number, parts, header, cell, errors)
                if contact is not None:
                    row.contacts.append(contact)
        parsed.row_errors.extend(errors)
        row.bad = bool(errors)
        parsed.rows.append(row)


def _parse_link(
    row: ParsedRow,
    columns: dict[str, tuple[str, int]],
    cell: Callable[[int], str],
    errors: list[RowError],
) -> None:
    column, position = columns["pupil_mis_id"]
    row.pupil_mis_id = cell(position)
    if not row.pupil_mis_id:
        errors.append(RowError(row.line, column, "The pupil's MIS id is empty."))
    if "relationship" in columns:
        row.relationship = parse_relationship(cell(columns["relationship"][1]))
    else:
        row.relationship = Relationship.OTHER
    responsibility: bool | None = None
    if "parental_responsibility" in columns:
        pr_column, pr_position = columns["parental_responsibility"]
        try:
            responsibility = parse_yes_no(cell(pr_position))
        except ValueError as exc:
            errors.append(RowError(row.line, pr_column, str(exc)))
    row.parental_responsibility = (
        responsibility
        if responsibility is not None
        else row.relationship in _ASSUMED_RESPONSIBILITY
    )
    if "contact_priority" in columns:
        priority_column, priority_position = columns["contact_priority"]
        try:
            row.priority = parse_priority(cell(priority_position)) or 1
        except ValueError as exc:
            errors.append(RowError(row.line, priority_column, str(exc)))


def _parse_contact(
    line: int,
    pupil_mis_id: str,
    number: int,
    parts: dict[str, int],
    header: list[str],
    cell: Callable[[int], str],
    errors: list[RowError],
) -> ContactRow | None:
    raw = {part: cell(position) for part, position in parts.items()}
    title, first, last = raw.get("title", ""), raw.get("first_name", ""), raw.get("last_name", "")
    if raw.get("name") and not (first or last):
        named_title, first, last = split_name(raw["name"])
        title = title or named_title
    if not (first or last or raw.get("mis_id")):
        return None
    name_column = header[parts.get("name", parts.get("last_name", next(iter(parts.values()))))]
    responsibility: bool | None = None
    if "parental_responsibility" in parts:
        try:
            responsibility = parse_yes_no(raw["parental_responsibility"])
        except ValueError as exc:
            errors.append(RowError(line, header[parts["parental_responsibility"]], str(exc)))
    priority = number
    if "contact_priority" in parts:
        try:
            priority = parse_priority(raw["contact_priority"]) or number
        except ValueError as exc:
            errors.append(RowError(line, header[parts["contact_priority"]], str(exc)))
    relationship = parse_relationship(raw.get("relationship", ""))
    email, phone = raw.get("email", ""), raw.get("phone", "")
    values: dict[str, Any] = {"title": title, "first_name": first, "last_name": last}
    if "email" in parts:
        values["email"] = email
    if "phone" in parts:
        values["phone"] = phone
    mis_id = raw.get("mis_id", "")
    if mis_id:
        values["mis_id"] = mis_id
        key: tuple[str, ...] = ("id", mis_id)
    elif email or phone:
        # Without the MIS's contact id, the same name with the same e-mail (or phone) is
        # taken to be the same person: siblings share their parents.
        key = ("name", first.casefold(), last.casefold(), (email or phone).casefold())
    else:
        # A name alone is not enough to say two families' "Mrs A Khan" are one person:
        # linking a stranger to a child is worse than a duplicate parent record.
        key = ("pupil", pupil_mis_id, first.casefold(), last.casefold())
    return ContactRow(
        column=name_column,
        key=key,
        values=values,
        relationship=relationship,
        parental_responsibility=(
            responsibility
            if responsibility is not None
            else relationship in _ASSUMED_RESPONSIBILITY
        ),
        priority=priority,
    )


# --- comparing with the register -----------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One row as it would be imported, for the preview page."""

    line: int
    action: str  # "new", "changed", "unchanged" or "error"
    name: str
    cells: list[str]
    notes: list[str]


@dataclass
class _Planned:
    line: int
    person: Person
    values: dict[str, Any]
    person_type: str | None
    is_new: bool
    changes: dict[str, list[Any]]


@dataclass
class _Link:
    pupil: Person
    parent: Person
    relationship: str
    parental_responsibility: bool
    priority: int


@dataclass
class Plan:
    parsed: ParsedFile
    creates: list[Person] = field(default_factory=list)
    updates: list[tuple[Person, dict[str, list[Any]]]] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[tuple[Person, dict[str, list[Any]]]] = field(default_factory=list)
    link_creates: list[Guardianship] = field(default_factory=list)
    link_updates: list[tuple[Guardianship, dict[str, list[Any]]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    preview: list[PreviewRow] = field(default_factory=list)


def _display(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if name == "year_group":
        return str(dict(Person._meta.get_field("year_group").flatchoices).get(value, value))
    if name == "person_type":
        return str(PersonType(value).label)
    return str(value)


class _Planner:
    """Walks the parsed rows against the school's register, without writing anything."""

    def __init__(
        self,
        school: School,
        parsed: ParsedFile,
        *,
        mark_missing_as_leaving: bool,
        leaving_date: dt.date,
    ) -> None:
        self.school = school
        self.parsed = parsed
        self.mark_missing = mark_missing_as_leaving
        self.leaving_date = leaving_date
        self.plan = Plan(parsed=parsed, errors=list(parsed.errors))
        # One query for everyone the file could match: MIS ids are checked for clashes here,
        # in bulk, rather than one query per row in person_problems.
        people = Person.objects.filter(school=school).exclude(
            mis_id="", person_type__in=[t for t in PersonType.values if t != PersonType.PARENT]
        )
        self.by_mis: dict[str, Person] = {}
        self.parents_by_name: dict[tuple[str, ...], Person] = {}
        by_pk: dict[int, Person] = {}
        for person in people:
            by_pk[person.pk] = person
            if person.mis_id:
                self.by_mis[person.mis_id] = person
            else:
                key = _name_key(person.first_name, person.last_name, person.email or person.phone)
                self.parents_by_name.setdefault(key, person)
        has_links = parsed.contacts_export or any(row.contacts for row in parsed.rows)
        self.guardianships = list(Guardianship.objects.filter(school=school)) if has_links else []
        # A contact without an MIS id is looked for first among the pupil's own parents, by
        # name: an e-mail added in Warden since must not make them a stranger.
        self.pupil_parents: dict[tuple[int, str, str], Person] = {}
        for link in self.guardianships:
            parent = by_pk.get(link.parent_id)
            if parent is not None:
                key3 = (link.pupil_id, parent.first_name.casefold(), parent.last_name.casefold())
                self.pupil_parents[key3] = parent
        self.planned: dict[str, _Planned] = {}
        self.planned_parents: dict[tuple[str, ...], _Planned] = {}
        self.planned_parent_pks: dict[int, _Planned] = {}
        self.links: list[_Link] = []
        self.present: set[str] = set()
        self.types: set[str] = set()
        self.columns = [name for name in PERSON_FIELDS if parsed.mapping.get(name)]

    def run(self) -> Plan:
        parse_errors: dict[int, list[RowError]] = {}
        for error in self.parsed.row_errors:
            parse_errors.setdefault(error.line, []).append(error)
        for row in self.parsed.rows:
            action, planned, errors, note = self._row(row)
            self.plan.errors.extend(errors)
            if action == "error":
                self.plan.bad_lines.add(row.line)
            if len(self.plan.preview) < PREVIEW_ROWS:
                self.plan.preview.append(
                    self._preview(
                        row, action, planned, [*parse_errors.get(row.line, []), *errors], note
                    )
                )
        self._plan_links()
        if self.mark_missing:
            self._plan_leavers()
        self.plan.errors.sort(key=lambda error: error.line)
        return self.plan

    # rows

    def _row(self, row: ParsedRow) -> tuple[str, _Planned | None, list[RowError], str]:
        mapping = self.parsed.mapping
        mis_id = str(row.values.get("mis_id", ""))
        if mis_id:
            self.present.add(mis_id)
        if row.person_type:
            self.types.add(row.person_type)
        if row.bad:
            return "error", None, [], ""
        errors: list[RowError] = []
        if not mis_id:
            errors.append(
                RowError(
                    row.line,
                    mapping["mis_id"],
                    "The MIS id is empty; every person needs one so that the next import "
                    "finds them again.",
                )
            )
            return "error", None, errors, ""
        if row.person_type is None:
            errors.append(
                RowError(
                    row.line,
                    mapping["person_type"],
                    "The type is empty; fill it in or choose a type for the whole file.",
                )
            )
            return "error", None, errors, ""
        note = ""
        first = self.planned.get(mis_id)
        if first is not None:
            # Some MIS reports give a pupil one row per contact: the same person again is
            # fine, different details under one MIS id are not.
            if first.values != row.values or first.person_type != row.person_type:
                errors.append(
                    RowError(
                        row.line,
                        mapping["mis_id"],
                        f"MIS id {mis_id} is also on line {first.line} with different "
                        "details; list each person once.",
                    )
                )
                return "error", None, errors, ""
            planned, action, note = first, "unchanged", f"Same person as line {first.line}."
        else:
            planned = self._person(row, mis_id, errors)
            action = "new" if planned.is_new else "changed" if planned.changes else "unchanged"
        parents = [
            (contact, self._parent(row.line, planned.person, contact, errors))
            for contact in row.contacts
        ]
        pupil: Person | None = None
        if self.parsed.contacts_export:
            pupil = self._pupil_of(row, errors)
        if errors:
            return "error", planned, errors, ""
        if first is None:
            self.planned[mis_id] = planned
            self._commit(planned)
            if not planned.is_new and not planned.changes:
                self.plan.unchanged += 1
        for contact, parent in parents:
            assert parent is not None
            if contact.key not in self.planned_parents:
                self.planned_parents[contact.key] = parent
                if parent.person.pk is None or parent.person.pk not in self.planned_parent_pks:
                    self._commit(parent)
                if parent.person.pk is not None:
                    self.planned_parent_pks[parent.person.pk] = parent
            self.links.append(
                _Link(
                    pupil=planned.person,
                    parent=self.planned_parents[contact.key].person,
                    relationship=contact.relationship,
                    parental_responsibility=contact.parental_responsibility,
                    priority=contact.priority,
                )
            )
        if pupil is not None:
            self.links.append(
                _Link(
                    pupil=pupil,
                    parent=planned.person,
                    relationship=row.relationship,
                    parental_responsibility=row.parental_responsibility,
                    priority=row.priority,
                )
            )
        return action, planned, errors, note

    def _person(self, row: ParsedRow, mis_id: str, errors: list[RowError]) -> _Planned:
        mapping = self.parsed.mapping
        existing = self.by_mis.get(mis_id)
        assert row.person_type is not None
        type_from_file = bool(mapping.get("person_type"))
        planned = self._candidate(
            existing, row.person_type, row.values, type_from_file=type_from_file, line=row.line
        )
        if existing is not None and not type_from_file and existing.person_type != row.person_type:
            # Said once, rather than followed by the rules of a type they do not have.
            errors.append(
                RowError(
                    row.line,
                    mapping["mis_id"],
                    f"MIS id {mis_id} is {existing}, recorded as "
                    f"{PersonType(existing.person_type).label.lower()}; this file is being "
                    f"imported as {PersonType(row.person_type).label.lower()}. "
                    "Check the type chosen for the file.",
                )
            )
            return planned
        self._check(planned, errors, lambda name: mapping.get(name, ""))
        return planned

    def _parent(
        self, line: int, pupil: Person, contact: ContactRow, errors: list[RowError]
    ) -> _Planned | None:
        known = self.planned_parents.get(contact.key)
        if known is not None:
            return known
        existing: Person | None = None
        first, last = (
            contact.values["first_name"].casefold(),
            contact.values["last_name"].casefold(),
        )
        if contact.key[0] == "id":
            existing = self.by_mis.get(contact.key[1])
        elif pupil.pk is not None:
            existing = self.pupil_parents.get((pupil.pk, first, last))
        if existing is None and contact.key[0] == "name":
            existing = self.parents_by_name.get(contact.key[1:])
        if existing is not None and existing.pk in self.planned_parent_pks:
            return self.planned_parent_pks[existing.pk]
        if existing is not None and existing.person_type != PersonType.PARENT:
            errors.append(
                RowError(
                    line,
                    contact.column,
                    f"{contact.values.get('mis_id') or 'This contact'} is {existing}, who is "
                    "not recorded as a parent or carer; check the contact's id in the MIS.",
                )
            )
            return None
        planned = self._candidate(
            existing, PersonType.PARENT, contact.values, type_from_file=False, line=line
        )
        self._check(planned, errors, lambda name: contact.column, labelled=True)
        return planned

    def _pupil_of(self, row: ParsedRow, errors: list[RowError]) -> Person | None:
        column = self.parsed.mapping["pupil_mis_id"]
        pupil = self.by_mis.get(row.pupil_mis_id)
        if pupil is None or pupil.person_type != PersonType.PUPIL:
            errors.append(
                RowError(
                    row.line,
                    column,
                    f"No pupil has MIS id {row.pupil_mis_id} at this school; "
                    "import the pupils first.",
                )
            )
            return None
        return pupil

    def _candidate(
        self,
        existing: Person | None,
        person_type: str,
        values: Mapping[str, Any],
        *,
        type_from_file: bool,
        line: int,
    ) -> _Planned:
        if existing is None:
            person = Person(school=self.school, person_type=person_type, **values)
            return _Planned(line, person, dict(values), person_type, is_new=True, changes={})
        # A copy, so a row that turns out bad leaves the loaded record as it was.
        person = copy.copy(existing)
        for name, value in values.items():
            setattr(person, name, value)
        fields = list(values)
        if type_from_file:
            person.person_type = person_type
            fields.append("person_type")
        changes = diff(snapshot(existing, fields), snapshot(person, fields))
        return _Planned(line, person, dict(values), person_type, is_new=False, changes=changes)

    def _check(
        self,
        planned: _Planned,
        errors: list[RowError],
        column_for: Callable[[str], str],
        *,
        labelled: bool = False,
    ) -> None:
        # An unchanged record writes nothing, so it is not re-judged: a rule that tightened
        # since must not block every later import of the school.
        if not planned.is_new and not planned.changes:
            return
        for name, messages in person_problems(planned.person, check_unique=False).items():
            label = f"{FIELD_LABELS.get(name, name)}: " if labelled else ""
            for message in messages:
                errors.append(RowError(planned.line, column_for(name), label + message))

    def _commit(self, planned: _Planned) -> None:
        if planned.is_new:
            self.plan.creates.append(planned.person)
        elif planned.changes:
            self.plan.updates.append((planned.person, planned.changes))

    # links and leavers

    def _plan_links(self) -> None:
        if not self.links:
            return
        existing = {(link.pupil_id, link.parent_id): link for link in self.guardianships}
        seen: set[tuple[int, int]] = set()
        for wanted in self.links:
            key = (
                id(wanted.pupil) if wanted.pupil.pk is None else wanted.pupil.pk,
                id(wanted.parent) if wanted.parent.pk is None else wanted.parent.pk,
            )
            if key in seen:
                continue
            seen.add(key)
            link = existing.get(key) if wanted.pupil.pk and wanted.parent.pk else None
            if link is None:
                self.plan.link_creates.append(
                    Guardianship(
                        school=self.school,
                        pupil=wanted.pupil,
                        parent=wanted.parent,
                        relationship=wanted.relationship,
                        parental_responsibility=wanted.parental_responsibility,
                        contact_priority=wanted.priority,
                    )
                )
                continue
            fields = ["relationship", "parental_responsibility", "contact_priority"]
            before = snapshot(link, fields)
            link.relationship = wanted.relationship
            link.parental_responsibility = wanted.parental_responsibility
            link.contact_priority = wanted.priority
            changes = diff(before, snapshot(link, fields))
            if changes:
                self.plan.link_updates.append((link, changes))

    def _plan_leavers(self) -> None:
        """People of the file's types, known by MIS id, whom the MIS no longer lists."""
        for person in self.by_mis.values():
            if (
                person.person_type not in self.types
                or person.mis_id in self.present
                or person.leaving_date is not None
            ):
                continue
            before = snapshot(person, ["leaving_date", "leaving_reason"])
            leaver = copy.copy(person)
            # The database refuses leaving before joining; someone not yet joined who has
            # vanished from the MIS leaves on the day they would have joined.
            leaving = self.leaving_date
            if leaver.joining_date and leaver.joining_date > leaving:
                leaving = leaver.joining_date
            leaver.leaving_date = leaving
            leaver.leaving_reason = leaver.leaving_reason or MISSING_REASON
            self.plan.leavers.append(
                (leaver, diff(before, snapshot(leaver, ["leaving_date", "leaving_reason"])))
            )

    def _preview(
        self,
        row: ParsedRow,
        action: str,
        planned: _Planned | None,
        errors: list[RowError],
        note: str,
    ) -> PreviewRow:
        values = dict(row.values)
        values["person_type"] = row.person_type
        cells = [_display(name, values.get(name)) for name in self.columns]
        notes = [str(e.column + ": " if e.column else "") + e.message for e in errors]
        if note:
            notes.append(note)
        elif action == "changed" and planned is not None:
            notes.extend(
                f"{FIELD_LABELS.get(name, name)}: {old or '—'} → {new or '—'}"
                for name, (old, new) in planned.changes.items()
            )
        if row.contacts and action != "error":
            notes.append(f"{len(row.contacts)} contact(s) linked as parents or carers.")
        name = " ".join(str(values.get(part) or "") for part in ("first_name", "last_name")).strip()
        return PreviewRow(row.line, action, name, cells, notes)


def _name_key(first: str, last: str, contact: str) -> tuple[str, ...]:
    return (first.casefold(), last.casefold(), contact.casefold())


# --- the import ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found and did (or, for a preview or dry run, would do)."""

    outcome: str  # an ImportRun.Outcome, or "preview"
    run: ImportRun | None
    source: str
    detected_source: str
    mapping: dict[str, str]
    header: list[str]
    header_line: int
    delimiter: str
    encoding: str
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    marked_leaving: int
    links_created: int
    links_updated: int
    errors: list[RowError]
    bad_rows: int
    preview: list[PreviewRow]
    columns: list[str]
    contact_count: int
    # True when the file itself is wrong (a missing column): skipping rows cannot help.
    fatal: bool
    # True when the import is (or, for a dry run, would be) rejected.
    blocked: bool

    @property
    def changes(self) -> int:
        return (
            self.created
            + self.updated
            + self.marked_leaving
            + self.links_created
            + self.links_updated
        )

    @property
    def rejected(self) -> bool:
        return self.outcome == ImportRun.Outcome.REJECTED

    @property
    def detected_label(self) -> str:
        return str(MisSource(self.detected_source).label)

    @property
    def how_read(self) -> str:
        """How the file was read, for whoever has to work out why a column looks wrong."""
        separator = {",": "commas", "\t": "tabs", ";": "semicolons", "|": "bars"}
        encoding = {"utf-8-sig": "UTF-8 (Excel)", "utf-16": "UTF-16", "cp1252": "Windows-1252"}
        return (
            f"Read as {encoding.get(self.encoding, 'UTF-8')} separated by "
            f"{separator.get(self.delimiter, self.delimiter)}, header on line {self.header_line}."
        )

    @property
    def can_import(self) -> bool:
        return not self.errors

    @property
    def can_skip_bad_rows(self) -> bool:
        return bool(self.errors) and not self.fatal


def _report(
    plan: Plan,
    *,
    outcome: str,
    run: ImportRun | None,
    applied: bool,
    skipped: int,
    blocked: bool,
) -> ImportReport:
    parsed = plan.parsed
    would = applied or outcome in {ImportRun.Outcome.DRY_RUN, "preview"}
    return ImportReport(
        outcome=outcome,
        run=run,
        source=parsed.source,
        detected_source=parsed.detected_source,
        mapping=parsed.mapping,
        header=parsed.table.header,
        header_line=parsed.table.header_line,
        delimiter=parsed.table.delimiter,
        encoding=parsed.table.encoding,
        rows=len(parsed.table.rows),
        created=len(plan.creates) if would else 0,
        updated=len(plan.updates) if would else 0,
        unchanged=plan.unchanged if would else 0,
        skipped=skipped,
        marked_leaving=len(plan.leavers) if would else 0,
        links_created=len(plan.link_creates) if would else 0,
        links_updated=len(plan.link_updates) if would else 0,
        errors=plan.errors,
        bad_rows=len(plan.bad_lines),
        preview=plan.preview,
        columns=[FIELD_LABELS[name] for name in PERSON_FIELDS if parsed.mapping.get(name)],
        contact_count=len(contact_columns(parsed.table.header))
        if not parsed.contacts_export
        else 0,
        fatal=bool(parsed.file_errors),
        blocked=blocked,
    )


def people_import_preview(
    *,
    school: School,
    data: bytes,
    source: str = "",
    mapping: Mapping[str, str] | None = None,
    default_type: str | None = None,
    mark_missing_as_leaving: bool = False,
    leaving_date: dt.date | None = None,
) -> ImportReport:
    """What importing this file would do, recording nothing (the preview page's re-check)."""
    parsed = parse_file(
        data, source=source, mapping=mapping, default_type=default_type, school=school
    )
    plan = _Planner(
        school,
        parsed,
        mark_missing_as_leaving=mark_missing_as_leaving,
        leaving_date=leaving_date or timezone.localdate(),
    ).run()
    return _report(
        plan, outcome="preview", run=None, applied=False, skipped=0, blocked=bool(plan.errors)
    )


def people_import(
    *,
    actor: User | None,
    school: School,
    data: bytes,
    filename: str,
    source: str,
    mapping: Mapping[str, str] | None,
    default_type: str | None,
    dry_run: bool,
    skip_bad_rows: bool,
    mark_missing_as_leaving: bool,
    leaving_date: dt.date | None = None,
) -> ImportReport:
    """Import people from an MIS export: create by MIS id, update what changed, audit all.

    ``source`` "" detects the MIS from the header; ``mapping`` None uses the mapping the
    school last used for that MIS (or the MIS's defaults). Any bad row rejects the whole file
    unless ``skip_bad_rows``; a problem with the file itself (a missing column) always does.
    With ``mark_missing_as_leaving`` people of the file's types who have an MIS id but are
    not in the file get a leaving date (``leaving_date``, default today). Every run, even a
    rejected one or a dry run, is recorded as an ``ImportRun``; an applied run remembers the
    mapping. A dry run reports what an import would do (``blocked`` if it would be refused).
    """
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = parse_file(
        data, source=source, mapping=mapping, default_type=default_type, school=school
    )
    try:
        with transaction.atomic():
            # Compared and written in one transaction, so nobody's edit lands in between.
            plan = _Planner(
                school,
                parsed,
                mark_missing_as_leaving=mark_missing_as_leaving,
                leaving_date=leaving_date or timezone.localdate(),
            ).run()
            blocked = bool(parsed.file_errors) or (bool(plan.errors) and not skip_bad_rows)
            if dry_run:
                outcome, applied = ImportRun.Outcome.DRY_RUN, False
            elif blocked:
                outcome, applied = ImportRun.Outcome.REJECTED, False
            else:
                outcome, applied = ImportRun.Outcome.APPLIED, True
            skipped = len(plan.bad_lines) if skip_bad_rows and not blocked else 0
            if applied:
                _write(plan, actor=actor, school=school)
            report = _report(
                plan, outcome=outcome, run=None, applied=applied, skipped=skipped, blocked=blocked
            )
            report.run = ImportRun.objects.create(
                school=school,
                started_by=actor,
                source=parsed.source,
                filename=filename[:255],
                sha256=sha256,
                outcome=outcome,
                rows=report.rows,
                created_count=report.created,
                updated_count=report.updated,
                unchanged_count=report.unchanged,
                skipped_count=report.skipped,
                marked_leaving_count=report.marked_leaving,
                errors=[error.as_dict() for error in plan.errors],
            )
            if applied:
                audit_log(
                    actor=actor,
                    action="people.imported",
                    obj=report.run,
                    school=school,
                    changes={
                        "file": [None, filename],
                        "source": [None, parsed.source],
                        "rows": [None, report.rows],
                        "created": [None, report.created],
                        "updated": [None, report.updated],
                        "unchanged": [None, report.unchanged],
                        "skipped": [None, report.skipped],
                        "marked_leaving": [None, report.marked_leaving],
                        "links_created": [None, report.links_created],
                        "links_updated": [None, report.links_updated],
                    },
                )
                ImportProfile.objects.update_or_create(
                    school=school, source=parsed.source, defaults={"mapping": parsed.mapping}
                )
    except IntegrityError:
        raise ServiceError(
            "Someone changed the register while this file was being imported; "
            "nothing was saved. Import the file again."
        ) from None
    return report


def _write(plan: Plan, *, actor: User | None, school: School) -> None:
    """Save a plan with bulk queries: a few statements per 500 people, not per person."""
    now = timezone.now()
    Person.objects.bulk_create(plan.creates, batch_size=500)
    changed = [*plan.updates, *plan.leavers]
    if changed:
        fields = sorted({name for _, changes in changed for name in changes} | {"updated_at"})
        for person, _ in changed:
            person.updated_at = now
        Person.objects.bulk_update([person for person, _ in changed], fields, batch_size=500)
    audit_log_many(
        actor=actor,
        action="person.created",
        items=[(person, diff({}, snapshot(person))) for person in plan.creates],
        school=school,
    )
    audit_log_many(actor=actor, action="person.updated", items=list(changed), school=school)
    # Links to people created above pick up their new keys in bulk_create.
    Guardianship.objects.bulk_create(plan.link_creates, batch_size=500)
    if plan.link_updates:
        Guardianship.objects.bulk_update(
            [link for link, _ in plan.link_updates],
            ["relationship", "parental_responsibility", "contact_priority"],
            batch_size=500,
        )
    audit_log_many(
        actor=actor,
        action="guardianship.created",
        items=[(link, diff({}, snapshot(link))) for link in plan.link_creates],
        school=school,
    )
    audit_log_many(
        actor=actor, action="guardianship.updated", items=list(plan.link_updates), school=school
    )
    changed_ids = {person.pk for person in plan.creates} | {person.pk for person, _ in changed}
    changed_ids |= {link.pupil_id for link in plan.link_creates}
    changed_ids |= {link.pupil_id for link, _ in plan.link_updates}
    if changed_ids:
        people_changed.send(Person, school=school, person_ids=sorted(changed_ids))
    # Other areas react to leavers (account removal deadlines), as after person_update.
    leaving = [person for person in plan.creates if person.leaving_date]
    leaving += [person for person, changes in changed if "leaving_date" in changes]
    for person in leaving:
        if person.leaving_date:
            person_leaving.send(
                Person, person=person, leaving_date=person.leaving_date, actor=actor
            )
