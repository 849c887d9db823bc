"""The lists page reads a UT1 folder on the server only under WARDEN_FILTER_IMPORT_ROOTS,
follows no symbolic link out of them, and never shows what a file on the server holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.monitoring.models.filtering import ListImport, ListSource
from warden.monitoring.services.filtering import list_import
from warden.monitoring.tests.filtering_helpers import write_gambling_ut1

pytestmark = pytest.mark.django_db

SECRET = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


@pytest.fixture(autouse=True)
def _places(settings: Any, tmp_path: Path) -> None:
    settings.WARDEN_FILTER_DIR = str(tmp_path / "filtering")


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """An allowed root holding a real UT1 folder, and a secret file and folder outside it."""
    root = tmp_path / "lists"
    ut1 = write_gambling_ut1(root / "ut1")
    outside = tmp_path / "private"
    (outside / "gambling").mkdir(parents=True)
    (outside / "passwd").write_text(SECRET)
    (outside / "gambling" / "domains").write_text(SECRET)
    return {"root": root, "ut1": ut1, "outside": outside}


def _post(client: Any, path: Path | str) -> Any:
    return client.post(
        reverse("monitoring:filter_list_import"),
        {"name": "UT1", "format": "ut1", "path": str(path)},
    )


def _nothing_imported() -> bool:
    return not ListSource.objects.exists() and not ListImport.objects.exists()


def test_without_configured_roots_the_page_reads_no_server_folder(
    school, ict_manager, client_for, layout, settings
):
    settings.WARDEN_FILTER_IMPORT_ROOTS = []
    response = _post(client_for(ict_manager), layout["ut1"])
    assert response.status_code == 400
    assert "lets the lists page read no folders" in response.content.decode()
    assert _nothing_imported()


def test_a_folder_under_a_root_imports(school, ict_manager, client_for, layout, settings):
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(layout["root"])]
    response = _post(client_for(ict_manager), layout["ut1"])
    assert response.status_code == 302
    assert ListImport.objects.get().state == "done"
    assert ListSource.objects.get(school=school).category_counts["gambling"] >= 1


@pytest.mark.parametrize("escape", ["dotdot", "folder_link"])
def test_a_path_that_resolves_outside_the_roots_is_refused(
    escape, school, ict_manager, client_for, layout, settings
):
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(layout["root"])]
    if escape == "dotdot":
        path = layout["root"] / ".." / "private"
    else:
        path = layout["root"] / "linked"
        path.symlink_to(layout["outside"], target_is_directory=True)
    response = _post(client_for(ict_manager), path)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Lists are read only from folders under" in text
    assert "root:x:0:0" not in text
    assert _nothing_imported()


def test_a_symlinked_list_file_inside_an_allowed_folder_is_refused_and_not_shown(
    school, ict_manager, client_for, layout, settings
):
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(layout["root"])]
    folder = layout["root"] / "sneaky"
    (folder / "gambling").mkdir(parents=True)
    (folder / "gambling" / "domains").symlink_to(layout["outside"] / "passwd")
    response = _post(client_for(ict_manager), folder)
    assert response.status_code == 400
    text = response.content.decode()
    assert "is a link to a file outside the folders lists are read from" in text
    assert "root:x:0:0" not in text and "daemon" not in text
    assert _nothing_imported()
    # The service refuses it too when the page's roots are given (as the worker does).
    with pytest.raises(ServiceError, match="link to a file outside") as refused:
        list_import(actor=None, school=school, fmt="ut1", path=folder, roots=[layout["root"]])
    assert "root:x" not in refused.value.message


def test_a_server_folder_whose_files_are_not_lists_never_shows_their_lines(
    school, ict_manager, client_for, layout, settings
):
    """What a refused UT1 folder holds stays on the server: no examples of its lines."""
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(layout["root"])]
    folder = layout["root"] / "copied"
    (folder / "gambling").mkdir(parents=True)
    (folder / "gambling" / "domains").write_text(SECRET)
    client = client_for(ict_manager)
    response = _post(client, folder)
    job = ListImport.objects.get()
    assert job.state == "failed" and "holds no usable entries" in job.message
    page = client.get(response["Location"]).content.decode()
    assert "holds no usable entries" in page
    assert "root:x" not in page and "daemon" not in page and "root:x" not in job.message
    assert not ListSource.objects.exists()
