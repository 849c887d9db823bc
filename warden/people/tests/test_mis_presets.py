"""Each MIS preset reads that system's standard report, as committed in fixtures/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from warden.people.importing import people_import
from warden.people.models import Guardianship, Person, PersonType

FIXTURES = Path(__file__).parent / "fixtures"


def load(school, name: str, *, source: str = "", default_type: str = PersonType.PUPIL):
    path = FIXTURES / name
    return people_import(
        actor=None,
        school=school,
        data=path.read_bytes(),
        filename=path.name,
        source=source,
        mapping=None,
        default_type=default_type,
        dry_run=False,
        skip_bad_rows=False,
        mark_missing_as_leaving=False,
    )


@pytest.mark.parametrize(
    ("name", "preset", "mis_id", "first", "last", "born", "year", "form"),
    [
        ("sims_students.csv", "sims", "003101", "Tamsin", "Ashdown", "2014-03-14", 7, "7A"),
        ("arbor_students.csv", "arbor", "ARB-5502", "Ruari", "Quenby", "2013-05-18", 8, "8 Ash"),
        ("bromcom_students.csv", "bromcom", "77003", "Zinnia", "Yelland", "2010-07-05", 10, "10Y"),
    ],
)
def test_each_preset_is_detected_and_fills_warden_fields(
    school, name, preset, mis_id, first, last, born, year, form
):
    report = load(school, name)

    assert (report.detected_source, report.source, report.outcome) == (preset, preset, "applied")
    assert not report.errors
    assert Person.objects.filter(school=school, person_type=PersonType.PUPIL).count() == 3
    pupil = Person.objects.get(school=school, mis_id=mis_id)
    assert (pupil.first_name, pupil.last_name) == (first, last)
    assert pupil.date_of_birth == dt.date.fromisoformat(born)
    assert (pupil.year_group, pupil.form) == (year, form)
    assert pupil.email.endswith("@pupils.example.org")
    assert pupil.upn.startswith("A9000000") and len(pupil.upn) == 13


def test_sims_preset_takes_preferred_names_and_contacts_with_parental_responsibility(school):
    load(school, "sims_students.csv")

    tamsin = Person.objects.get(mis_id="003101")
    assert tamsin.preferred_name == "Tam"
    links = {
        link.parent.last_name: link.parental_responsibility
        for link in Guardianship.objects.select_related("parent")
    }
    assert links == {"Ashdown": True, "Brindle": True, "Varga": False}


def test_a_staff_export_uses_the_same_preset(school):
    report = load(school, "sims_staff.csv", default_type=PersonType.TEACHING_STAFF)

    assert (report.source, report.created) == ("sims", 2)
    teacher = Person.objects.get(mis_id="SMV")
    assert (teacher.title, teacher.preferred_name, teacher.job_title) == (
        "Mr",
        "Si",
        "Head of Year 9",
    )
    assert teacher.joining_date == dt.date(2012, 9, 1)


def test_a_file_no_preset_fits_names_the_closest_presets_missing_columns(school, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Pupil No,Surname,Forename,Birthday,Tutor\n1,Ash,Ida,01/01/2014,7A\n")

    report = people_import(
        actor=None,
        school=school,
        data=path.read_bytes(),
        filename=path.name,
        source="",
        mapping=None,
        default_type=PersonType.PUPIL,
        dry_run=True,
        skip_bad_rows=False,
        mark_missing_as_leaving=False,
    )

    assert report.detected_source == "other" and report.fatal
    messages = [error.message for error in report.errors]
    assert any(
        message.startswith("Warden could not tell which MIS wrote this file.")
        and "is missing “" in message
        for message in messages
    ), messages


def test_a_chosen_preset_says_which_of_its_columns_the_file_lacks(school, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Pupil No,Legal Surname,Legal Forename,DOB,Year,Reg\n1,Ash,Ida,01/01/2014,7,7A\n"
    )

    report = load(school, str(path), source="sims")

    assert report.rejected
    assert (
        "Compared with SIMS's standard report, this file is missing “Adno” (MIS id)."
        in report.errors[-1].message
    )


def test_a_upn_that_is_not_one_is_refused_with_its_line(school, tmp_path):
    path = tmp_path / "StudentList.csv"
    text = (FIXTURES / "sims_students.csv").read_text()
    path.write_text(text.replace("A900000000102", "A9000-00102"))

    report = load(school, str(path))

    assert report.rejected
    assert [str(error) for error in report.errors] == [
        "line 3: UPN: “A9000-00102” is not a UPN: it is a letter, 11 digits and a last digit "
        "or letter (e.g. A123456789012); copy it from the MIS."
    ]
