"""Lists: UT1 folders, hosts files and plain lists, through the command, the page and services."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.monitoring.models.filtering import ListSource
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    GAMBLING_DOMAIN,
    engine_for,
    make_groups,
)

pytestmark = pytest.mark.django_db


def test_command_imports_a_ut1_folder_with_counts_per_category(
    school, filtering_dir, ut1_dir, capsys
):
    warden(["filter-lists", "import", "--school", school.slug, "--format", "ut1", str(ut1_dir)])
    source = ListSource.objects.get(school=school)
    assert source.format == "ut1"
    assert source.category_counts["gambling"] == source.entry_count >= 1
    assert len(source.sha256) == 64
    assert (filtering_dir / school.slug / source.compiled_path).is_file()
    assert "entries" in capsys.readouterr().out
    entry = AuditEntry.objects.get(action="filtering.list_imported")
    assert entry.via == "cli"


def test_command_names_what_to_fix_for_a_folder_that_is_not_ut1(
    school, filtering_dir, tmp_path, capsys
):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        warden(
            [
                "filter-lists",
                "import",
                "--school",
                school.slug,
                "--format",
                "ut1",
                str(tmp_path / "empty"),
            ]
        )
    assert "No category folders" in capsys.readouterr().err


def test_plain_list_needs_a_category(school, filtering_dir, tmp_path):
    plain = tmp_path / "sites.txt"
    plain.write_text("example-casino.test\n")
    with pytest.raises(ServiceError, match="Choose the category"):
        services.list_import(actor=None, school=school, fmt="domains", path=plain)


def test_hosts_file_category_comes_from_its_name(school, filtering_dir, tmp_path):
    hosts = tmp_path / "gambling-hosts"
    hosts.write_text(
        "# a list\n0.0.0.0 casino-one.test\n0.0.0.0 localhost\n127.0.0.1 casino-two.test\n"
    )
    source = services.list_import(actor=None, school=school, fmt="hosts", path=hosts)
    assert source.category == "gambling"
    assert source.entry_count == 2


def test_a_file_without_entries_is_refused_with_examples(school, filtering_dir, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("not a domain at all!\n")
    with pytest.raises(ServiceError, match="no usable entries"):
        services.list_import(
            actor=None, school=school, fmt="domains", path=junk, category="gambling"
        )


def test_importing_under_the_same_name_replaces_the_list(school, filtering_dir, tmp_path):
    plain = tmp_path / "sites.txt"
    plain.write_text("one.test\n")
    services.list_import(
        actor=None, school=school, fmt="domains", path=plain, name="Local", category="games"
    )
    plain.write_text("one.test\ntwo.test\n")
    services.list_import(
        actor=None, school=school, fmt="domains", path=plain, name="Local", category="games"
    )
    assert ListSource.objects.filter(school=school, is_active=True).count() == 1
    assert ListSource.objects.get(school=school).entry_count == 2
    assert AuditEntry.objects.filter(action="filtering.list_updated").count() == 1


def test_ict_manager_uploads_a_hosts_file_through_the_page(
    school, ict_manager, client_for, filtering_dir, published, tmp_path
):
    make_groups(school)
    hosts = tmp_path / "gambling-hosts.txt"
    hosts.write_text("0.0.0.0 casino-three.test\n")
    client = client_for(ict_manager)
    with hosts.open("rb") as handle, published():
        response = client.post(
            reverse("monitoring:filter_list_import"),
            {"name": "Casinos", "format": "hosts", "file": handle, "category": ""},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ListSource.objects.get(school=school, name="Casinos").entry_count == 1
    decision = engine_for(school).decide("http://casino-three.test/", client_ip="10.1.0.5")
    assert decision.blocked and decision.category == "gambling"
    page = client.get(reverse("monitoring:filter_list_list"))
    assert b"Casinos" in page.content


def test_ut1_path_that_does_not_exist_is_shown_next_to_the_field(
    school, ict_manager, client_for, filtering_dir, settings, tmp_path
):
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(tmp_path)]
    response = client_for(ict_manager).post(
        reverse("monitoring:filter_list_import"),
        {"name": "UT1", "format": "ut1", "path": str(tmp_path / "nowhere")},
    )
    assert response.status_code == 400
    assert b"is not a folder on the server" in response.content


def test_lists_feed_the_published_snapshot(school, filtering_dir, ut1_dir, published):
    make_groups(school)
    with published():
        services.list_import(actor=None, school=school, fmt="ut1", path=Path(ut1_dir))
    engine = engine_for(school)
    assert engine.decide(f"http://www.{GAMBLING_DOMAIN}/", client_ip="10.1.2.3").blocked
    assert not engine.decide(f"http://www.{GAMBLING_DOMAIN}/", client_ip="10.2.2.3").blocked


def test_removing_a_list_takes_its_sites_out_and_deletes_its_compiled_file(
    school, filtering_dir, ut1_dir, published
):
    make_groups(school)
    with published():
        source = services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    compiled = filtering_dir / school.slug / source.compiled_path
    assert compiled.exists()
    with published():
        services.list_remove(actor=None, source=source, reason="Replaced by the trust's list")
    assert not compiled.exists()
    assert not engine_for(school).decide(f"http://{GAMBLING_DOMAIN}/", client_ip="10.1.0.1").blocked
    entry = AuditEntry.objects.get(action="filtering.list_removed")
    assert entry.changes["reason"] == [None, "Replaced by the trust's list"]


def test_the_lists_page_reads_server_folders_only_under_the_configured_roots(
    school, ict_manager, client_for, filtering_dir, ut1_dir, settings, tmp_path
):
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(tmp_path / "elsewhere")]
    response = client_for(ict_manager).post(
        reverse("monitoring:filter_list_import"),
        {"name": "UT1", "format": "ut1", "path": str(ut1_dir)},
    )
    assert response.status_code == 400
    assert b"Lists are read only from folders under" in response.content
    assert not ListSource.objects.exists()
    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(ut1_dir.parent)]
    response = client_for(ict_manager).post(
        reverse("monitoring:filter_list_import"),
        {"name": "UT1", "format": "ut1", "path": str(ut1_dir)},
    )
    assert response.status_code == 302


def test_the_page_says_at_once_what_an_import_lacks_and_queues_nothing(
    school, ict_manager, client_for, filtering_dir, settings, tmp_path
):
    from warden.monitoring.models.filtering import ListImport

    settings.WARDEN_FILTER_IMPORT_ROOTS = [str(tmp_path)]
    empty = tmp_path / "not-a-list"
    (empty / "notes").mkdir(parents=True)
    client = client_for(ict_manager)
    response = client.post(
        reverse("monitoring:filter_list_import"),
        {"name": "UT1", "format": "ut1", "path": str(empty)},
    )
    assert response.status_code == 400
    assert b"No category folders with a" in response.content
    hosts = tmp_path / "blocklist.txt"
    hosts.write_text("0.0.0.0 casino-four.test\n")
    with hosts.open("rb") as handle:
        response = client.post(
            reverse("monitoring:filter_list_import"),
            {"name": "Hosts", "format": "hosts", "file": handle, "category": ""},
        )
    assert response.status_code == 400
    assert b"Choose the category of these sites" in response.content
    assert not ListImport.objects.exists()
