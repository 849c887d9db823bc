from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.people.importing import MAPPABLE_FIELDS
from warden.people.models import ImportProfile, ImportRun, Person
from warden.people.tests.import_files import SIMS_HEADER, sims_pupils, write_csv

DOB = SIMS_HEADER.index("DOB")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: Client, path: Path, **fields: str) -> Any:
    with path.open("rb") as handle:
        return client.post(
            reverse("people_import:upload"),
            {"file": handle, "source": "", "default_type": "pupil", **fields},
        )


def preview_url(run: ImportRun) -> str:
    return reverse("people_import:preview", kwargs={"run_pk": run.pk})


def form_data(response: Any, **changes: str) -> dict[str, str]:
    """The preview form's values as shown, with ``changes`` applied."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["mark_missing_as_leaving"] = ""
    data.update(changes)
    return {k: v for k, v in data.items() if v not in (None, False)}


def test_office_uploads_previews_and_imports_a_sims_file(school, office, client_for, tmp_path):
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(12))
    client = client_for(office)

    uploaded = upload(client, path)

    run = ImportRun.objects.get()
    assert (run.outcome, run.started_by) == ("dry_run", office)
    assert uploaded["Location"] == preview_url(run)
    page = client.get(preview_url(run))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Recognised as an export from <strong>SIMS</strong>" in text
    assert page.context["report"].created == 12
    assert len(page.context["report"].preview) == 10
    assert page.context["form"]["map_form"].value() == "Reg"
    assert not Person.objects.exists()

    done = client.post(reverse("people_import:import", kwargs={"run_pk": run.pk}), form_data(page))

    applied = ImportRun.objects.get(outcome="applied")
    assert done["Location"] == reverse("people_import:detail", kwargs={"run_pk": applied.pk})
    assert Person.objects.filter(school=school).count() == 12
    assert AuditEntry.objects.filter(action="person.created", via="web").count() == 12
    assert list((tmp_path / "media" / "imports" / str(school.pk)).iterdir()) == []
    assert b"12 new" in client.get(done["Location"], follow=True).content


def test_the_same_file_uploaded_again_previews_no_changes(school, office, client_for, tmp_path):
    path = write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, sims_pupils(5))
    client = client_for(office)
    upload(client, path)
    first = ImportRun.objects.get()
    client.post(
        reverse("people_import:import", kwargs={"run_pk": first.pk}),
        form_data(client.get(preview_url(first))),
    )

    upload(client, path)
    again = ImportRun.objects.filter(outcome="dry_run").latest("pk")
    page = client.get(preview_url(again))

    assert page.context["report"].changes == 0
    assert b"importing it would change nothing" in page.content


def test_a_bad_date_on_line_57_is_shown_and_import_is_disabled(
    school, office, client_for, tmp_path
):
    rows = sims_pupils(60)
    rows[55][DOB] = "31/02/2013"
    client = client_for(office)
    upload(client, write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows))
    run = ImportRun.objects.get()

    page = client.get(preview_url(run))

    text = page.content.decode()
    assert "<td>57</td><td>DOB</td>" in text
    assert "31/02/2013" in text
    assert '<button type="submit" disabled aria-disabled="true">Import</button>' in text
    assert "Import, skipping 1 bad row" in text
    refused = client.post(
        reverse("people_import:import", kwargs={"run_pk": run.pk}), form_data(page)
    )
    assert refused.status_code == 422
    assert not Person.objects.exists()
    assert ImportRun.objects.filter(outcome="rejected").get().errors[0]["line"] == 57


def test_importing_skipping_bad_rows_imports_the_good_ones(school, office, client_for, tmp_path):
    rows = sims_pupils(6)
    rows[2][DOB] = "never"
    client = client_for(office)
    upload(client, write_csv(tmp_path / "StudentList.csv", SIMS_HEADER, rows))
    run = ImportRun.objects.get()
    page = client.get(preview_url(run))

    client.post(
        reverse("people_import:import", kwargs={"run_pk": run.pk}),
        form_data(page, skip_bad_rows="1"),
    )

    applied = ImportRun.objects.get(outcome="applied")
    assert (applied.created_count, applied.skipped_count) == (5, 1)


def test_changing_the_mapping_re_previews_with_htmx_and_is_remembered(
    school, office, client_for, tmp_path
):
    header = ["Ref", "Given", "Family", "Yr", "Group"]
    path = write_csv(tmp_path / "other.csv", header, [["R1", "Ava", "Khan", "Year 5", "5B"]])
    client = client_for(office)
    upload(client, path)
    run = ImportRun.objects.get()
    page = client.get(preview_url(run))
    assert page.context["report"].fatal  # nothing recognised: the user must map it

    mapping = {"map_mis_id": "Ref", "map_first_name": "Given", "map_last_name": "Family"}
    mapping |= {"map_year_group": "Yr", "map_form": "Group"}
    partial = client.get(preview_url(run), form_data(page, **mapping), HTTP_HX_REQUEST="true")

    assert partial.content.lstrip().startswith(b'<div id="preview">')
    assert partial.context["report"].created == 1
    client.post(reverse("people_import:import", kwargs={"run_pk": run.pk}), form_data(partial))
    assert Person.objects.get().form == "5B"
    remembered = ImportProfile.objects.get(school=school, source="other").mapping
    assert remembered["form"] == "Group"
    assert set(remembered) == set(MAPPABLE_FIELDS)

    upload(client, path)
    later = ImportRun.objects.filter(outcome="dry_run").latest("pk")
    assert client.get(preview_url(later)).context["form"]["map_form"].value() == "Group"


def test_teacher_cannot_import(school, teacher, client_for):
    client = client_for(teacher)
    assert client.get(reverse("people_import:upload")).status_code == 403
    assert client.get(reverse("people_import:history")).status_code == 403


def test_another_schools_run_is_not_found(school, other_school, office, client_for):
    theirs = ImportRun.objects.create(
        school=other_school, filename="theirs.csv", sha256="0" * 64, outcome="dry_run"
    )
    client = client_for(office)
    for name in ("detail", "preview"):
        url = reverse(f"people_import:{name}", kwargs={"run_pk": theirs.pk})
        assert client.get(url).status_code == 404
    url = reverse("people_import:import", kwargs={"run_pk": theirs.pk})
    assert client.post(url).status_code == 404


def test_an_upload_is_usable_only_by_the_person_who_uploaded_it(
    school, office, ict_manager, client_for, tmp_path
):
    upload(client_for(office), write_csv(tmp_path / "s.csv", SIMS_HEADER, sims_pupils(2)))
    run = ImportRun.objects.get()

    colleague = client_for(ict_manager)
    response = colleague.get(preview_url(run))
    assert response["Location"] == reverse("people_import:upload")
    colleague.post(reverse("people_import:import", kwargs={"run_pk": run.pk}), {})
    assert not Person.objects.exists()


def test_an_excel_workbook_is_refused_on_the_upload_form(school, office, client_for, tmp_path):
    path = tmp_path / "pupils.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    response = upload(client_for(office), path)
    assert response.status_code == 200
    assert "CSV UTF-8" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_history_lists_this_schools_imports_only(school, other_school, office, client_for):
    ImportRun.objects.create(school=school, filename="ours.csv", sha256="1" * 64, outcome="applied")
    ImportRun.objects.create(
        school=other_school, filename="theirs.csv", sha256="2" * 64, outcome="applied"
    )
    page = client_for(office).get(reverse("people_import:history"))
    assert b"ours.csv" in page.content and b"theirs.csv" not in page.content


def test_choosing_another_mis_starts_the_mapping_from_its_columns(
    school, office, client_for, tmp_path
):
    client = client_for(office)
    upload(client, write_csv(tmp_path / "s.csv", SIMS_HEADER, sims_pupils(2)))
    run = ImportRun.objects.get()
    page = client.get(preview_url(run))
    assert page.context["form"]["map_form"].value() == "Reg"

    switched = client.get(
        preview_url(run), form_data(page, source="integris"), HTTP_HX_REQUEST="true"
    )

    form = switched.context["form"]
    assert form["source"].value() == "integris"
    # Integris calls the MIS id "Admission No" and the form "Class": neither is in this file.
    assert (form["map_mis_id"].value(), form["map_form"].value()) == ("", "")
    assert form["map_first_name"].value() == "Legal Forename"
    assert switched.context["report"].fatal
