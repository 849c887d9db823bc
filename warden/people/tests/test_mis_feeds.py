"""The scheduled MIS pull: a folder or a real SFTP drop, the newest file, imported once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry, School
from warden.core.schedule import schedule_tick
from warden.people.feeds import feed_pull, feed_save, review_path
from warden.people.models import FeedFile, ImportRun, MisFeed, Person, PersonType
from warden.people.tests.sftp_server import SftpServer
from warden.people.tests.sftp_server import sftp_server as sftp_server
from warden.people.tests.test_import_command import warden

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def drop(folder: Path, fixture: str, name: str, *, age: int = 0) -> Path:
    """Copy a fixture into the drop as ``name``, ``age`` minutes old."""
    path = folder / name
    shutil.copyfile(FIXTURES / fixture, path)
    when = path.stat().st_mtime - age * 60
    os.utime(path, (when, when))
    return path


def folder_feed(school: School, folder: Path, **values: Any) -> MisFeed:
    return feed_save(
        actor=None,
        school=school,
        values={
            "source_kind": "folder",
            "folder": str(folder),
            "pattern": "*.csv",
            "source": "",
            "default_type": PersonType.PUPIL,
            "apply_automatically": True,
            "is_active": True,
            **values,
        },
    )


def sftp_feed(school: School, server: SftpServer, **values: Any) -> MisFeed:
    return feed_save(
        actor=None,
        school=school,
        values={
            "source_kind": "sftp",
            "sftp_host": server.host,
            "sftp_port": server.port,
            "sftp_user": server.user,
            "sftp_host_key": f"[{server.host}]:{server.port} {server.host_key}",
            "sftp_key_file": str(server.key_file),
            "sftp_path": str(server.drop),
            "pattern": "StudentList*.csv",
            "source": "",
            "default_type": PersonType.PUPIL,
            "apply_automatically": True,
            "is_active": True,
            **values,
        },
    )


def test_the_newest_file_in_a_folder_is_imported_once(school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    drop(folder, "arbor_students.csv", "old.csv", age=60)
    drop(folder, "sims_students.csv", "new.csv")
    feed = folder_feed(school, folder)

    first = feed_pull(feed=feed, actor=None)

    assert first.outcome == "applied"
    assert first.message == "Imported new.csv: 6 new, 0 changed, 0 unchanged."
    pulled = FeedFile.objects.select_related("run").get()
    assert pulled.run is not None and pulled.name == "new.csv"
    assert (pulled.run.outcome, pulled.run.source) == ("applied", "sims")
    assert Person.objects.filter(mis_id="003101").exists()
    assert not Person.objects.filter(mis_id="ARB-5501").exists()

    again = feed_pull(feed=feed, actor=None)

    assert again.outcome == "already"
    assert again.message.startswith("Nothing new: new.csv was pulled on ")
    assert ImportRun.objects.count() == 1
    feed.refresh_from_db()
    assert feed.last_result == again.message and not feed.last_failed


def test_a_new_export_under_the_same_name_is_imported(school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    drop(folder, "sims_students.csv", "StudentList.csv", age=10)
    feed = folder_feed(school, folder)
    feed_pull(feed=feed, actor=None)
    path = folder / "StudentList.csv"
    path.write_text(path.read_text().replace("Tamsin", "Tamara"))

    result = feed_pull(feed=feed, actor=None)

    assert result.message == "Imported StudentList.csv: 0 new, 1 changed, 2 unchanged."
    assert FeedFile.objects.count() == 2


def test_a_feed_waiting_for_review_keeps_the_file_and_imports_nothing(school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    drop(folder, "bromcom_students.csv", "students.csv")
    feed = folder_feed(school, folder, apply_automatically=False)

    result = feed_pull(feed=feed, actor=None)

    assert result.outcome == "review"
    assert result.message == "students.csv is waiting for review: 3 new, 0 changed, 0 unchanged."
    assert not Person.objects.exists()
    pulled = FeedFile.objects.get()
    assert pulled.run is not None and pulled.run.outcome == "dry_run"
    assert (
        review_path(school.pk, pulled.sha256).read_bytes()
        == (FIXTURES / "bromcom_students.csv").read_bytes()
    )


def test_a_file_with_errors_is_rejected_and_not_pulled_again(school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    bad = drop(folder, "sims_students.csv", "StudentList.csv")
    bad.write_text(bad.read_text().replace("14/03/2014", "31/02/2014"))
    feed = folder_feed(school, folder)

    result = feed_pull(feed=feed, actor=None)

    assert result.outcome == "rejected"
    assert "StudentList.csv was not imported: 1 errors." in result.message
    assert "line 2: DOB: “31/02/2014” is not a real date" in result.message
    assert not Person.objects.exists()
    assert feed_pull(feed=feed, actor=None).outcome == "already"


def test_an_empty_folder_and_a_missing_one_say_so(school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    feed = folder_feed(school, folder)
    assert feed_pull(feed=feed, actor=None).message == f"No file named *.csv in {folder}."

    folder.rmdir()
    with pytest.raises(ServiceError, match="Cannot read the folder"):
        feed_pull(feed=feed, actor=None)
    feed.refresh_from_db()
    assert feed.last_failed


def test_the_settings_are_checked_with_messages_that_say_what_to_fix(school, tmp_path):
    with pytest.raises(ServiceError) as refused:
        feed_save(
            actor=None,
            school=school,
            values={
                "source_kind": "sftp",
                "sftp_host": "sftp.example.org",
                "sftp_port": 22,
                "sftp_user": "warden",
                "sftp_host_key": "not a key",
                "sftp_path": "/drop",
                "pattern": "exports/*.csv",
            },
        )
    errors = refused.value.field_errors
    assert errors["sftp_host_key"][0].startswith("The host key should look like")
    assert errors["sftp_key_file"] == [
        "Give a private key file, or where the password is (an environment variable or a file)."
    ]
    assert errors["pattern"] == ["Give file names only; put the folder in its own field."]
    assert not MisFeed.objects.exists()


# --- a real SFTP drop: OpenSSH's sshd on loopback --------------------------------------------


def test_the_newest_export_is_pulled_from_an_sftp_drop_with_a_key(school, sftp_server):
    drop(sftp_server.drop, "arbor_students.csv", "StudentList-1.csv", age=120)
    drop(sftp_server.drop, "sims_students.csv", "StudentList-2.csv", age=5)
    drop(sftp_server.drop, "sims_staff.csv", "StaffList.csv")
    feed = sftp_feed(school, sftp_server)
    assert feed.sftp_host_key == sftp_server.host_key

    result = feed_pull(feed=feed, actor=None)

    assert result.message == "Imported StudentList-2.csv: 6 new, 0 changed, 0 unchanged."
    run = FeedFile.objects.get().run
    assert run is not None and run.source == "sims"
    assert feed_pull(feed=feed, actor=None).outcome == "already"


def test_an_sftp_server_with_another_host_key_is_refused_before_signing_in(
    school, sftp_server, tmp_path
):
    drop(sftp_server.drop, "sims_students.csv", "StudentList.csv")
    other_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0gBJsE1gG2a3hpqL3m7N1C0oNV7ExW2mXb0dk+8Wl0"
    feed = sftp_feed(school, sftp_server, sftp_host_key=other_key)

    with pytest.raises(ServiceError) as refused:
        feed_pull(feed=feed, actor=None)

    assert "offered a host key (ssh-ed25519 SHA256:" in refused.value.message
    assert "that is not the one recorded for the feed. Nothing was sent to it." in (
        refused.value.message
    )
    assert not Person.objects.exists() and not FeedFile.objects.exists()


def test_a_refused_password_names_the_user_and_server(school, sftp_server, monkeypatch):
    monkeypatch.setenv("WARDEN_TEST_SFTP_PASSWORD", "not-the-password")
    feed = sftp_feed(
        school, sftp_server, sftp_key_file="", sftp_password_env="WARDEN_TEST_SFTP_PASSWORD"
    )

    with pytest.raises(ServiceError) as refused:
        feed_pull(feed=feed, actor=None)

    assert refused.value.message == (
        f"The SFTP server refused the password for {sftp_server.user}@127.0.0.1; check the "
        "user name and the password the server expects."
    )
    feed.refresh_from_db()
    assert feed.last_failed and feed.last_result == refused.value.message


def test_warden_people_pull_runs_the_feed_from_the_command_line(school, sftp_server, capsys):
    drop(sftp_server.drop, "sims_students.csv", "StudentList.csv")
    sftp_feed(school, sftp_server)

    assert warden("people", "pull", "--school", "oakfield") == 0
    assert capsys.readouterr().out.startswith("Imported StudentList.csv: 6 new")
    assert warden("people", "pull", "--school", "oakfield") == 0
    assert "Nothing new: StudentList.csv" in capsys.readouterr().out
    assert set(
        AuditEntry.objects.filter(action="person.created").values_list("via", flat=True)
    ) == {"cli"}


def test_the_command_says_when_a_school_has_no_feed(school, capsys):
    assert warden("people", "pull", "--school", "oakfield") == 1
    assert "Oakfield Primary has no MIS feed" in capsys.readouterr().err


def test_the_schedule_pulls_every_active_feed(school, other_school, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    drop(folder, "sims_students.csv", "StudentList.csv")
    folder_feed(school, folder)
    folder_feed(other_school, folder, is_active=False)

    assert "people.pull_mis_feeds" in schedule_tick()

    assert Person.objects.filter(school=school).count() == 6
    assert not Person.objects.filter(school=other_school).exists()
    entry = AuditEntry.objects.filter(action="person.created").first()
    assert entry is not None and entry.via == "task"
