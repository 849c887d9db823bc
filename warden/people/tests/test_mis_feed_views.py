"""The MIS feed page: set up a feed, pull now, review a pulled file, see the files pulled."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.people.feeds import feed_pull, review_path
from warden.people.models import FeedFile, MisFeed, Person
from warden.people.tests.test_import_views import form_data

FIXTURES = Path(__file__).parent / "fixtures"
FEED = reverse("people_import:feed")
PULL = reverse("people_import:feed_pull")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "sims_students.csv", folder / "StudentList.csv")
    return folder


def settings_for(folder: Path, **changes: str) -> dict[str, str]:
    return {
        "source_kind": "folder",
        "folder": str(folder),
        "sftp_port": "22",
        "pattern": "StudentList*.csv",
        "source": "",
        "default_type": "pupil",
        "is_active": "on",
        **changes,
    }


def test_the_office_sets_up_a_folder_feed_and_pulls_it_now(school, office, client_for, exports):
    client = client_for(office)
    assert client.get(FEED).status_code == 200

    saved = client.post(FEED, settings_for(exports, apply_automatically="on"))

    assert saved.status_code == 302
    feed = MisFeed.objects.get(school=school)
    assert (feed.folder, feed.apply_automatically) == (str(exports), True)
    assert AuditEntry.objects.filter(action="people.feed_created", actor=office).exists()

    pulled = client.post(PULL, follow=True)

    assert Person.objects.filter(school=school, mis_id="003101").exists()
    page = pulled.content.decode()
    assert "Imported StudentList.csv: 6 new, 0 changed, 0 unchanged." in page
    assert "<td>StudentList.csv</td>" in page
    assert AuditEntry.objects.filter(action="person.created", actor=office).count() == 6


def test_a_pulled_file_waits_for_review_and_is_imported_from_the_preview(
    school, office, client_for, exports
):
    client = client_for(office)
    client.post(FEED, settings_for(exports))
    client.post(PULL)
    assert not Person.objects.exists()
    page = client.get(FEED)
    waiting = page.context["waiting"]
    assert waiting is not None and b"Review and import" in page.content

    opened = client.post(reverse("people_import:feed_review", kwargs={"run_pk": waiting.run.pk}))

    preview = reverse("people_import:preview", kwargs={"run_pk": waiting.run.pk})
    assert opened["Location"] == preview
    shown = client.get(preview)
    assert "Recognised as an export from <strong>SIMS</strong>" in shown.content.decode()
    done = client.post(
        reverse("people_import:import", kwargs={"run_pk": waiting.run.pk}), form_data(shown)
    )
    assert done.status_code == 302
    assert Person.objects.filter(school=school).count() == 6
    assert not review_path(school.pk, waiting.sha256).exists()
    assert client.get(FEED).context["waiting"] is None


def test_sftp_settings_without_a_host_key_are_refused_next_to_the_field(
    school, ict_manager, client_for, exports
):
    response = client_for(ict_manager).post(
        FEED,
        settings_for(
            exports,
            source_kind="sftp",
            sftp_host="sftp.example.org",
            sftp_user="warden",
            sftp_path="/exports",
            sftp_key_file="/etc/warden/mis-feed.key",
        ),
    )

    assert response.status_code == 200
    assert (
        response.context["form"]
        .errors["sftp_host_key"][0]
        .startswith("The host key should look like")
    )
    assert not MisFeed.objects.exists()


def test_pulling_a_folder_that_is_gone_says_why(school, office, client_for, exports):
    client = client_for(office)
    client.post(FEED, settings_for(exports))
    shutil.rmtree(exports)

    page = client.post(PULL, follow=True).content.decode()

    assert f"Cannot read the folder {exports}" in page
    assert "Failed" in page


def test_roles_without_the_import_right_are_refused(school, teacher, governor, client_for):
    for user in (teacher, governor):
        client = client_for(user)
        assert client.get(FEED).status_code == 403
        assert client.post(PULL).status_code == 403


def test_another_schools_pulled_file_cannot_be_reviewed(
    school, other_school, office, client_for, exports, tmp_path
):
    other = MisFeed.objects.create(school=other_school, source_kind="folder", folder=str(exports))
    feed_pull(feed=other, actor=None)
    run = FeedFile.objects.get().run
    assert run is not None

    response = client_for(office).post(
        reverse("people_import:feed_review", kwargs={"run_pk": run.pk})
    )

    assert response.status_code == 404
