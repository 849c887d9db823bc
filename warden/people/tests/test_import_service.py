from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry, School, User
from warden.people.importing import (
    ImportReport,
    default_mapping,
    detect_source,
    parse_date,
    parse_year_group,
    people_import,
    people_import_preview,
    read_table,
)
from warden.people.models import Guardianship, ImportProfile, ImportRun, Person, PersonType
from warden.people.signals import person_leaving
from warden.people.tests.import_files import (
    ARBOR_HEADER,
    BROMCOM_HEADER,
    INTEGRIS_HEADER,
    SIMS_HEADER,
    sims_pupil,
    sims_pupils,
    write_csv,
)
from warden.testing.factories import PersonFactory, PupilFactory

COLUMN = {name: index for index, name in enumerate(SIMS_HEADER)}


def run(school: School, path: Path, actor: User | None = None, **options: Any) -> ImportReport:
    arguments: dict[str, Any] = {
        "source": "",
        "mapping": None,
        "default_type": PersonType.PUPIL,
        "dry_run": False,
        "skip_bad_rows": False,
        "mark_missing_as_leaving": False,
    }
    arguments.update(options)
    return people_import(
        actor=actor, school=school, data=path.read_bytes(), filename=path.name, **arguments
    )


def person_audit_count() -> int:
    return AuditEntry.objects.filter(object_type="people.person").count()


def test_importing_the_same_csv_twice_changes_nothing_the_second_time(school, office, tmp_path):
    path = write_csv(tmp_path / "pupils.csv", SIMS_HEADER, sims_pupils(30))
    first = run(school, path, office)
    assert (first.outcome, first.created, first.updated) == ("applied", 30, 0)
    audited = person_audit_count()
    assert audited == 30

    second = run(school, path, office)

    assert second.outcome == "applied"
    assert second.changes == 0
    assert (second.created, second.updated, second.unchanged) == (0, 0, 30)
    assert person_audit_count() == audited
    assert second.run is not None and second.run.created_count == second.run.updated_count == 0
    assert Person.objects.filter(school=school).count() == 30


def test_a_bad_date_on_line_57_rejects_the_whole_file_and_names_line_57(school, tmp_path):
    rows = sims_pupils(80)
    rows[55][COLUMN["DOB"]] = "31/02/2013"  # data row 56 is spreadsheet line 57
    path = write_csv(tmp_path / "pupils.csv", SIMS_HEADER, rows)

    report = run(school, path)

    assert report.rejected
    assert not Person.objects.exists()
    assert [(e.line, e.column) for e in report.errors] == [(57, "DOB")]
    assert "31/02/2013" in report.errors[0].message
    assert str(report.errors[0]).startswith("line 57: DOB: ")
    saved = ImportRun.objects.get()
    assert saved.outcome == "rejected" and saved.errors[0]["line"] == 57
    assert saved.created_count == 0 and saved.sha256 == report.run.sha256  # type: ignore[union-attr]


def test_skipping_bad_rows_imports_the_good_ones(school, tmp_path):
    rows = sims_pupils(10)
    rows[3][COLUMN["Year"]] = "Year 15"
    rows[6][COLUMN["Legal Surname"]] = ""
    path = write_csv(tmp_path / "pupils.csv", SIMS_HEADER, rows)

    report = run(school, path, skip_bad_rows=True)

    assert report.outcome == "applied"
    assert (report.created, report.skipped) == (8, 2)
    assert [e.line for e in report.errors] == [5, 8]
    assert Person.objects.count() == 8
    assert not Person.objects.filter(mis_id=rows[3][0]).exists()


def test_an_update_by_mis_id_changes_only_the_changed_fields_with_old_and_new_audited(
    school, office, tmp_path
):
    rows = sims_pupils(5)
    run(school, write_csv(tmp_path / "first.csv", SIMS_HEADER, rows), office)
    pupil = Person.objects.get(mis_id=rows[2][0])
    pupil.email = "kept@example.org"  # set in Warden; the export has no e-mail column
    pupil.save()
    rows[2][COLUMN["Reg"]] = "8Z"
    rows[2][COLUMN["Year"]] = "Year 8"

    report = run(school, write_csv(tmp_path / "second.csv", SIMS_HEADER, rows), office)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    pupil.refresh_from_db()
    assert (pupil.year_group, pupil.form, pupil.email) == (8, "8Z", "kept@example.org")
    entry = AuditEntry.objects.get(action="person.updated")
    assert entry.object_id == str(pupil.pk) and entry.actor == office
    assert entry.changes == {"form": ["7C", "8Z"], "year_group": [7, 8]}
    assert AuditEntry.objects.get(action="people.imported", changes__updated=[None, 1])


def test_people_missing_from_the_file_are_marked_as_leaving(school, tmp_path):
    rows = sims_pupils(6)
    run(school, write_csv(tmp_path / "all.csv", SIMS_HEADER, rows))
    staff: Person = PersonFactory.create(school=school, mis_id="STAFF1")
    without_mis_id: Person = PupilFactory.create(school=school, mis_id="")
    heard: list[Person] = []

    def listener(sender: Any, person: Person, **kwargs: Any) -> None:
        heard.append(person)

    person_leaving.connect(listener)
    try:
        path = write_csv(tmp_path / "fewer.csv", SIMS_HEADER, rows[:4])
        report = run(school, path, mark_missing_as_leaving=True)
    finally:
        person_leaving.disconnect(listener)

    assert report.marked_leaving == 2
    gone = Person.objects.filter(mis_id__in=[rows[4][0], rows[5][0]])
    assert {p.leaving_date for p in gone} == {timezone.localdate()}
    assert {p.leaving_reason for p in gone} == {"Not in the MIS export"}
    assert sorted(p.mis_id for p in heard) == sorted([rows[4][0], rows[5][0]])
    staff.refresh_from_db()
    without_mis_id.refresh_from_db()
    assert staff.leaving_date is None and without_mis_id.leaving_date is None
    assert AuditEntry.objects.filter(action="person.updated").count() == 2
    again = run(school, path, mark_missing_as_leaving=True)
    assert again.changes == 0


def test_a_pupil_whose_row_is_bad_is_not_marked_as_leaving(school, tmp_path):
    rows = sims_pupils(4)
    run(school, write_csv(tmp_path / "all.csv", SIMS_HEADER, rows))
    rows[1][COLUMN["DOB"]] = "not a date"

    report = run(
        school,
        write_csv(tmp_path / "bad.csv", SIMS_HEADER, rows),
        skip_bad_rows=True,
        mark_missing_as_leaving=True,
        leaving_date=dt.date(2025, 7, 22),
    )

    assert (report.skipped, report.marked_leaving) == (1, 0)
    assert not Person.objects.filter(leaving_date__isnull=False).exists()


def test_the_mapping_is_remembered_per_school(school, other_school, tmp_path):
    header = ["Ref", "Given", "Family", "Yr", "Group"]
    path = write_csv(tmp_path / "other.csv", header, [["R1", "Ava", "Khan", "5", "5B"]])
    mapping = {
        "mis_id": "Ref",
        "first_name": "Given",
        "last_name": "Family",
        "year_group": "Yr",
        "form": "Group",
        "email": "",
    }
    run(school, path, source="other", mapping=mapping)
    assert ImportProfile.objects.get(school=school, source="other").mapping["form"] == "Group"

    here = people_import_preview(
        school=school, data=path.read_bytes(), source="other", default_type="pupil"
    )
    there = people_import_preview(
        school=other_school, data=path.read_bytes(), source="other", default_type="pupil"
    )

    assert here.mapping["mis_id"] == "Ref" and here.mapping["form"] == "Group"
    assert not here.errors and here.unchanged == 1
    assert there.mapping["mis_id"] == "" and there.fatal


@pytest.mark.parametrize(
    ("header", "source", "mis_id", "form"),
    [
        (SIMS_HEADER, "sims", "Adno", "Reg"),
        (ARBOR_HEADER, "arbor", "Student ID", "Registration Form"),
        (BROMCOM_HEADER, "bromcom", "Student Id", "Registration Group"),
        (INTEGRIS_HEADER, "integris", "Admission No", "Class"),
    ],
)
def test_each_mis_sample_header_is_recognised(header, source, mis_id, form):
    assert detect_source(header) == source
    mapping = default_mapping(source, header)
    assert (mapping["mis_id"], mapping["form"]) == (mis_id, form)
    assert mapping["first_name"] and mapping["last_name"] and mapping["date_of_birth"]


def test_an_unfamiliar_header_is_left_to_the_user_as_other():
    assert detect_source(["Ref", "Given", "Family"]) == "other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/09/2024", dt.date(2024, 9, 3)),
        ("3/9/2024", dt.date(2024, 9, 3)),
        ("03-09-2024", dt.date(2024, 9, 3)),
        ("03.09.2024", dt.date(2024, 9, 3)),
        ("2024-09-03", dt.date(2024, 9, 3)),
        ("3 Sep 2024", dt.date(2024, 9, 3)),
        ("3 September 2024", dt.date(2024, 9, 3)),
        ("03-Sep-2024", dt.date(2024, 9, 3)),
        ("03/09/2024 00:00:00", dt.date(2024, 9, 3)),
        ("", None),
    ],
)
def test_uk_and_iso_dates_are_read_day_first(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2013", "09/23/2012", "03/09/24", "soon", "3 Sop 2024"])
def test_dates_that_cannot_be_read_say_how_to_write_them(text):
    with pytest.raises(ValueError, match=r"date|year|month"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Year 7", 7),
        ("Y7", 7),
        ("7", 7),
        ("Yr 12", 12),
        ("Year 12", 12),
        ("R", 0),
        ("Reception", 0),
        ("N", -1),
        ("Nursery", -1),
        ("", None),
    ],
)
def test_year_groups_are_read_as_schools_write_them(text, expected):
    assert parse_year_group(text) == expected


def test_a_windows_1252_file_with_semicolons_and_a_title_line_is_read(school, tmp_path):
    rows = [sims_pupil(0), sims_pupil(1)]
    rows[0][COLUMN["Legal Forename"]] = "Zoë"
    path = write_csv(
        tmp_path / "export.csv",
        SIMS_HEADER,
        rows,
        encoding="cp1252",
        delimiter=";",
        above=[["Student List report"], []],
    )
    table = read_table(path.read_bytes())
    assert (table.encoding, table.delimiter, table.header_line) == ("cp1252", ";", 3)
    assert [line for line, _ in table.rows] == [4, 5]

    report = run(school, path)

    assert report.created == 2 and report.source == "sims"
    assert Person.objects.filter(first_name="Zoë").exists()


def test_an_excel_utf8_file_with_a_byte_order_mark_is_read(school, tmp_path):
    path = write_csv(tmp_path / "bom.csv", SIMS_HEADER, sims_pupils(2), encoding="utf-8-sig")
    report = run(school, path)
    assert report.mapping["mis_id"] == "Adno" and report.created == 2


def test_a_dry_run_saves_nothing_but_reports_what_would_change(school, tmp_path):
    path = write_csv(tmp_path / "pupils.csv", SIMS_HEADER, sims_pupils(3))
    report = run(school, path, dry_run=True)
    assert (report.outcome, report.created) == ("dry_run", 3)
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(object_type="people.person").exists()
    assert ImportRun.objects.get().outcome == "dry_run"


def test_the_same_mis_id_twice_with_different_details_names_both_lines(school, tmp_path):
    rows = sims_pupils(3)
    rows.append([*rows[0]])
    rows[3][COLUMN["Reg"]] = "7Z"
    report = run(school, write_csv(tmp_path / "dupes.csv", SIMS_HEADER, rows))
    assert report.rejected
    assert [(e.line, e.column) for e in report.errors] == [(5, "Adno")]
    assert "also on line 2" in report.errors[0].message


def test_a_file_without_an_mis_id_column_is_refused_even_when_skipping_bad_rows(school, tmp_path):
    header = [c for c in SIMS_HEADER if c != "Adno"]
    rows = [row[1:] for row in sims_pupils(2)]
    report = run(school, write_csv(tmp_path / "no-id.csv", header, rows), skip_bad_rows=True)
    assert report.rejected and report.fatal
    assert report.errors[0].line == 1 and "MIS id" in report.errors[0].message
    assert not Person.objects.exists()


def test_a_pupil_rule_broken_by_the_file_is_reported_at_its_column(school, tmp_path):
    rows = sims_pupils(2)
    rows[1][COLUMN["DOB"]] = "01/01/1970"
    report = run(school, write_csv(tmp_path / "old.csv", SIMS_HEADER, rows))
    assert report.rejected
    assert (report.errors[0].line, report.errors[0].column) == (3, "DOB")
    assert "pupils are 2 to 21" in report.errors[0].message


def test_a_staff_file_takes_each_type_from_its_type_column(school, tmp_path):
    header = ["Staff Code", "Title", "Legal Surname", "Legal Forename", "Role", "Type"]
    rows = [
        ["ABR", "Mrs", "Brown", "Alice", "Teacher of Maths", "Teaching staff"],
        ["CDA", "Mr", "Davies", "Carl", "Site manager", "Support"],
    ]
    report = run(school, write_csv(tmp_path / "staff.csv", header, rows), default_type=None)
    assert report.created == 2, report.errors
    assert dict(Person.objects.values_list("mis_id", "person_type")) == {
        "ABR": PersonType.TEACHING_STAFF,
        "CDA": PersonType.SUPPORT_STAFF,
    }
    assert Person.objects.get(mis_id="CDA").job_title == "Site manager"


def test_a_person_of_another_type_is_not_silently_retyped(school, tmp_path):
    PersonFactory(school=school, mis_id="001000", first_name="Gwen", last_name="Staff")
    report = run(school, write_csv(tmp_path / "p.csv", SIMS_HEADER, sims_pupils(1)))
    assert report.rejected
    assert "recorded as teaching staff" in report.errors[0].message


def test_contacts_on_a_pupils_row_become_linked_parents(school, tmp_path):
    header = [
        *SIMS_HEADER,
        "Contact 1 Name",
        "Contact 1 Relationship",
        "Contact 1 Parental Responsibility",
        "Contact 1 Email",
        "Contact 2 Name",
        "Contact 2 Relationship",
        "Contact 2 Parental Responsibility",
        "Contact 2 Email",
    ]
    rows = [
        [*sims_pupil(0), "Mrs Sara Khan", "Mother", "Yes", "sara@example.org", "", "", "", ""],
        [
            *sims_pupil(9),
            "Mrs Sara Khan",
            "Mother",
            "Yes",
            "sara@example.org",
            "Mr Tom Lee",
            "Uncle",
            "",
            "",
        ],
    ]
    path = write_csv(tmp_path / "with-contacts.csv", header, rows)

    report = run(school, path)

    assert (report.created, report.links_created) == (4, 3), report.errors
    mother = Person.objects.get(first_name="Sara", last_name="Khan")
    assert mother.person_type == PersonType.PARENT and mother.title == "Mrs"
    assert mother.children_links.count() == 2
    uncle_link = Guardianship.objects.get(parent__last_name="Lee")
    assert (uncle_link.relationship, uncle_link.parental_responsibility) == ("other", False)
    assert uncle_link.contact_priority == 2
    assert run(school, path).changes == 0
    mother.email = "changed-in-warden@example.org"
    mother.save()
    again = run(school, path)
    assert (again.created, again.updated) == (0, 1)
    assert Person.objects.filter(person_type=PersonType.PARENT).count() == 2


def test_a_pupil_listed_once_per_contact_is_one_pupil_with_each_contact(school, tmp_path):
    header = [*SIMS_HEADER, "Contact 1 Name", "Contact 1 Relationship"]
    rows = [
        [*sims_pupil(0), "Ms Amy Khan", "Mother"],
        [*sims_pupil(0), "Mr Raj Khan", "Father"],
    ]
    report = run(school, write_csv(tmp_path / "per-contact.csv", header, rows))
    assert (report.created, report.links_created, report.errors) == (3, 2, [])
    pupil = Person.objects.get(person_type=PersonType.PUPIL)
    assert pupil.guardianships.count() == 2


def test_a_separate_contacts_export_links_parents_to_existing_pupils(school, tmp_path):
    run(school, write_csv(tmp_path / "pupils.csv", SIMS_HEADER, sims_pupils(2)))
    header = [
        "Pupil Adno",
        "Contact ID",
        "Title",
        "Forename",
        "Surname",
        "Relationship",
        "Parental Responsibility",
        "Priority",
        "Email",
    ]
    rows = [
        ["001000", "C77", "Ms", "Jo", "Khan", "Mother", "Yes", "1", "jo@example.org"],
        ["001001", "C77", "Ms", "Jo", "Khan", "Mother", "Yes", "1", "jo@example.org"],
        ["001001", "C78", "Mr", "Ali", "Smith", "Father", "No", "2", ""],
        ["009999", "C79", "Mr", "Nobody", "Known", "Father", "Yes", "1", ""],
    ]
    path = write_csv(tmp_path / "contacts.csv", header, rows)

    rejected = run(school, path, default_type=None)
    assert [(e.line, e.column) for e in rejected.errors] == [(5, "Pupil Adno")]

    report = run(school, path, default_type=None, skip_bad_rows=True)
    assert (report.created, report.links_created, report.skipped) == (2, 3, 1)
    jo = Person.objects.get(mis_id="C77")
    assert jo.person_type == PersonType.PARENT and jo.children_links.count() == 2
    assert not Guardianship.objects.get(parent__mis_id="C78").parental_responsibility
    assert run(school, path, default_type=None, skip_bad_rows=True).changes == 0


def test_an_excel_workbook_is_refused_with_what_to_do(school):
    with pytest.raises(ServiceError, match="CSV UTF-8"):
        people_import(
            actor=None,
            school=school,
            data=b"PK\x03\x04rest-of-zip",
            filename="pupils.xlsx",
            source="",
            mapping=None,
            default_type="pupil",
            dry_run=False,
            skip_bad_rows=False,
            mark_missing_as_leaving=False,
        )


def test_a_mapping_to_a_column_the_file_lacks_is_reported_at_line_1(school, tmp_path):
    path = write_csv(tmp_path / "p.csv", SIMS_HEADER, sims_pupils(1))
    mapping = {**default_mapping("sims", SIMS_HEADER), "email": "Email Address"}
    report = run(school, path, mapping=mapping)
    assert report.rejected and report.fatal
    assert (report.errors[0].line, report.errors[0].column) == (1, "Email Address")


def test_namesake_contacts_of_two_families_without_details_stay_two_people(school, tmp_path):
    header = [*SIMS_HEADER, "Contact 1 Name", "Contact 1 Relationship"]
    rows = [[*sims_pupil(0), "Mrs A Khan", "Mother"], [*sims_pupil(1), "Mrs A Khan", "Mother"]]
    path = write_csv(tmp_path / "namesakes.csv", header, rows)
    run(school, path)
    assert Person.objects.filter(person_type=PersonType.PARENT, last_name="Khan").count() == 2
    assert run(school, path).changes == 0
