"""List uploads: refused over the size limit with nothing kept, imported by the worker with
progress shown, read line by line in flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from warden.engine.lists import ListBuilder, read_lines
from warden.monitoring.models.filtering import ListImport, ListSource
from warden.people.models import ImportRun

pytestmark = pytest.mark.django_db

LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def _places(settings: Any, tmp_path: Path) -> Path:
    settings.WARDEN_FILTER_DIR = str(tmp_path / "filtering")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WARDEN_UPLOAD_MAX_BYTES = LIMIT
    # Anything over 1 KB goes to a temporary file, as a real large upload does.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    temporary = tmp_path / "upload-tmp"
    temporary.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temporary)
    return temporary


def _domains(count: int, *, distinct: int | None = None) -> bytes:
    names = (f"site-{n % (distinct or count)}.example.test\n" for n in range(count))
    return "".join(names).encode()


def _post_list(client: Any, name: str, filename: str, data: bytes) -> Any:
    """Upload a list of gambling domains through the lists page."""
    return client.post(
        reverse("monitoring:filter_list_import"),
        {
            "name": name,
            "format": "domains",
            "category": "gambling",
            "file": SimpleUploadedFile(filename, data),
        },
    )


def test_a_list_over_the_limit_is_refused_with_a_message_and_nothing_is_kept(
    school, ict_manager, client_for, tmp_path
):
    data = _domains(10_000)
    assert len(data) > LIMIT
    response = _post_list(client_for(ict_manager), "Too big", "big.txt", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "big.txt is larger than the 64 KB this server accepts" in text
    assert not ListImport.objects.exists() and not ListSource.objects.exists()
    assert list((tmp_path / "upload-tmp").iterdir()) == []
    assert not (tmp_path / "filtering").exists() or not any((tmp_path / "filtering").rglob("*.txt"))


def test_a_people_file_over_the_limit_is_refused_the_same_way(school, office, client_for):
    response = client_for(office).post(
        reverse("people_import:upload"),
        {"file": SimpleUploadedFile("pupils.csv", b"a,b\n" * 20_000), "source": ""},
    )
    assert response.status_code == 200
    assert "pupils.csv is larger than the 64 KB this server accepts" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_list_under_the_limit_imports_through_the_task_and_its_page_shows_it_done(
    school, ict_manager, client_for, settings
):
    settings.WARDEN_UPLOAD_MAX_BYTES = 8 * 1024 * 1024
    data = _domains(150_000)
    client = client_for(ict_manager)
    response = _post_list(client, "Betting", "betting.txt", data)
    job = ListImport.objects.get()
    assert response["Location"] == reverse(
        "monitoring:filter_list_import_detail", kwargs={"list_import_pk": job.pk}
    )
    assert (job.state, job.size, job.done_bytes, job.percent) == ("done", len(data), len(data), 100)
    assert job.source is not None and job.source.entry_count == 150_000
    page = client.get(response["Location"]).content.decode()
    assert "Imported" in page and "150000 entries in force" in page and "hx-get" not in page
    # The uploaded file is gone once read; the compiled list stays.
    school_dir = Path(settings.WARDEN_FILTER_DIR) / school.slug
    assert not any((school_dir / "uploads").rglob("*.txt"))
    assert (school_dir / job.source.compiled_path).exists()


def test_the_worker_runs_a_queued_import_and_the_page_polls_until_it_is_done(
    school, ict_manager, client_for, settings
):
    from warden.cli import main as warden

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for(ict_manager)
    response = _post_list(client, "Betting", "betting.txt", _domains(2_000))
    job = ListImport.objects.get()
    assert job.state == "queued" and not ListSource.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page and 'hx-trigger="every 1s"' in page
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled.content.decode().lstrip().startswith('<section id="list-import-progress"')
    warden(["worker", "--batch"])
    job.refresh_from_db()
    assert job.state == "done" and job.percent == 100
    assert ListSource.objects.get(school=school, name="Betting").entry_count == 2_000
    assert "hx-trigger" not in client.get(response["Location"]).content.decode()


def test_a_refused_list_shows_why_on_its_page(school, ict_manager, client_for):
    client = client_for(ict_manager)
    response = _post_list(client, "Not a list", "notes.txt", b"just some words\nand more words\n")
    job = ListImport.objects.get()
    assert job.state == "failed" and "holds no usable entries" in job.message
    assert "holds no usable entries" in client.get(response["Location"]).content.decode()
    assert not ListSource.objects.exists()


def test_the_reader_hands_over_one_line_at_a_time_and_reports_progress_to_the_end(tmp_path):
    path = tmp_path / "list.txt"
    path.write_bytes(_domains(200_000))
    seen: list[int] = []
    lines = read_lines(path, seen.append)
    assert iter(lines) is lines  # an iterator, not a list read whole
    assert next(lines) == "site-0.example.test"
    assert sum(1 for _ in lines) == 199_999
    assert seen == sorted(seen) and len(seen) >= 3 and seen[-1] == path.stat().st_size


def test_importing_a_long_list_keeps_memory_flat(tmp_path):
    """Half a million lines of a few domains: the file is 15 MB, reading it whole would
    hold all of it (and a list of its lines); line by line holds next to nothing."""
    path = tmp_path / "repeats.txt"
    path.write_bytes(_domains(500_000, distinct=20))
    assert path.stat().st_size > 10_000_000
    builder = ListBuilder()
    tracemalloc.start()
    try:
        builder.add_domain_list_file(path, "gambling")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(builder.build()) == 20
    assert peak < 2_000_000, f"peak {peak:,} bytes"


def test_evidence_over_the_limit_is_refused_beside_its_field(
    school, dsl, client_for, settings, tmp_path
):
    from warden.incidents.models import Evidence, IncidentKind
    from warden.incidents.services.incidents import incident_report

    settings.VAR_DIR = tmp_path
    incident = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Threatening comments",
        description="Comments on a video.",
    )
    response = client_for(dsl).post(
        reverse("incidents:evidence_add", args=[incident.pk]),
        {
            "title": "Screen recording",
            "note": "",
            "file": SimpleUploadedFile("recording.mp4", b"\0" * (LIMIT + 1)),
        },
        follow=True,
    )
    assert "recording.mp4 is larger than the 64 KB this server accepts" in (
        response.content.decode()
    )
    assert not Evidence.objects.exists()
