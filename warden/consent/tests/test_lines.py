"""A class list resolves to pupils; every line that does not is named with its number."""

from __future__ import annotations

import pytest

from warden.consent.lines import csv_lines, resolve_pupils
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_upn_name_and_name_with_form_are_found_and_problems_keep_their_line(school, other_school):
    by_upn = PupilFactory.create(school=school, mis_id="A123456789012")
    named = PupilFactory.create(school=school, first_name="Robin", last_name="Example", form="7B")
    twin_a = PupilFactory.create(school=school, first_name="Sam", last_name="Twin", form="8A")
    twin_b = PupilFactory.create(school=school, first_name="Sam", last_name="Twin", form="8C")
    PupilFactory.create(school=other_school, first_name="Elsewhere", last_name="Pupil")
    lines = [
        "a123456789012",
        "",
        "robin  EXAMPLE",
        "Sam Twin",
        "Sam Twin (8C)",
        "Elsewhere Pupil",
        "Robin Example (9Z)",
        "Robin Example (7B)",
    ]
    pupils, problems = resolve_pupils(school, lines)
    assert pupils == [by_upn, named, twin_b]
    assert [(n, text) for n, text, _ in problems] == [
        (4, "Sam Twin"),
        (6, "Elsewhere Pupil"),
        (7, "Robin Example (9Z)"),
    ]
    assert "2 pupils have this name (forms 8A, 8C)" in problems[0][2]
    assert "No pupil on roll" in problems[1][2]
    assert (
        "not in form 9Z" in problems[2][2]
        or "No pupil of that name is in form 9Z" in problems[2][2]
    )
    assert twin_a not in pupils


def test_a_csv_keeps_its_row_numbers_and_drops_the_header():
    content = b'UPN,Name\nA1,One\n"B2",Two\n'
    assert csv_lines(content) == ["", "A1", "B2"]
