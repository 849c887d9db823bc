"""A class list as people type or export it: one pupil a line, each found or named as a
problem with its line number, never skipped.

A line is a UPN or admission number (the pupil's MIS id), or a name with the form in
brackets, "First Last (7B)", or a name alone when only one pupil has it. Case, spacing and
accents are forgiven (``warden.lib.names.normalise``); blank lines are not pupils.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from django.utils import timezone

from warden.core.models import School
from warden.lib.names import normalise
from warden.people.models import Person, PersonType, Status

# "First Last (7B)": the name, then the form in brackets at the end.
_WITH_FORM = re.compile(r"^(?P<name>.+?)\s*\((?P<form>[^()]*)\)\s*$")

# Header cells a CSV export may start with; that row is not a pupil.
_HEADERS = {"upn", "name", "pupil", "admission number", "adno", "mis id", "student"}

Problem = tuple[int, str, str]


def _pupils(school: School) -> list[Person]:
    """Every pupil on the school's roll today (left pupils are not on a class list)."""
    today = timezone.localdate()
    return list(
        Person.objects.filter(school=school, person_type=PersonType.PUPIL)
        .with_status(today)
        .exclude(**{"current_status": Status.LEFT})
        .order_by("last_name", "first_name", "pk")
    )


def resolve_pupils(school: School, lines: list[str]) -> tuple[list[Person], list[Problem]]:
    """The pupils ``lines`` name, in order and each once, and ``(line number, text,
    problem)`` for each line that names no pupil or more than one. Two queries' worth of
    work however long the list: the school's pupils are read once."""
    pupils = _pupils(school)
    by_id: dict[str, list[Person]] = defaultdict(list)
    by_name: dict[str, list[Person]] = defaultdict(list)
    for pupil in pupils:
        if pupil.mis_id:
            by_id[pupil.mis_id.strip().casefold()].append(pupil)
        for given in {pupil.first_name, pupil.preferred_name} - {""}:
            by_name[normalise(f"{given} {pupil.last_name}")].append(pupil)
    found: dict[int, Person] = {}
    problems: list[Problem] = []
    for number, raw in enumerate(lines, start=1):
        text = " ".join(raw.split())
        if not text:
            continue
        matches, problem = _match(text, by_id, by_name)
        if problem:
            problems.append((number, text, problem))
        else:
            found.setdefault(matches[0].pk, matches[0])
    return list(found.values()), problems


def _match(
    text: str, by_id: dict[str, list[Person]], by_name: dict[str, list[Person]]
) -> tuple[list[Person], str]:
    if text.casefold() in by_id:
        return by_id[text.casefold()], ""
    with_form = _WITH_FORM.match(text)
    name = normalise(with_form["name"] if with_form else text)
    candidates = by_name.get(name, [])
    if with_form:
        form = normalise(with_form["form"])
        in_form = [p for p in candidates if normalise(p.form) == form]
        if len(in_form) == 1:
            return in_form, ""
        if not in_form:
            if candidates:
                forms = ", ".join(sorted({p.form or "no form" for p in candidates}))
                return [], f"No pupil of that name is in form {with_form['form']}; found in {forms}"
            return [], "No pupil on roll has this UPN, admission number or name"
        candidates = in_form
    if len(candidates) == 1:
        return candidates, ""
    if not candidates:
        return [], "No pupil on roll has this UPN, admission number or name"
    forms = ", ".join(sorted(p.form or "no form" for p in candidates))
    return [], (
        f"{len(candidates)} pupils have this name (forms {forms}); "
        "add the form in brackets or use the UPN"
    )


def csv_lines(content: bytes) -> list[str]:
    """The pupil column of an uploaded CSV (the first column; a header row is dropped), one
    entry a line so line numbers match the file's rows."""
    text = content.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    lines = [row[0] if row else "" for row in rows]
    if lines and lines[0].strip().casefold() in _HEADERS:
        lines[0] = ""
    return lines
