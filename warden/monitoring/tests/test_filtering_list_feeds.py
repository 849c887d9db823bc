"""Lists that update themselves: downloaded from a local publisher, checked, imported,
published; a bad download keeps the list in force and says why."""

from __future__ import annotations

import pytest

from warden.cli import main as warden
from warden.core.errors import ServiceError
from warden.core.schedule import schedule_tick
from warden.engine.datafiles import STARTER_UT1
from warden.monitoring.models.filtering import ListFeed, ListSource
from warden.monitoring.services.list_feeds import (
    DEFAULT_UT1_CHECKSUMS,
    DEFAULT_UT1_URL,
    list_feed_create,
    list_feed_default_create,
    list_feeds_update,
)
from warden.monitoring.services.starter_lists import STARTER_UT1_NAME, starter_lists_load
from warden.monitoring.tests.feed_server import Publisher, ut1_tarball
from warden.monitoring.tests.filtering_helpers import GAMBLING_DOMAIN, engine_for, make_groups

pytestmark = pytest.mark.django_db

NAME = "UT1 from the test publisher"


def _feed(school, publisher: Publisher, **extra) -> ListFeed:
    return list_feed_create(
        actor=None,
        school=school,
        name=NAME,
        url=publisher.url("blacklists.tar.gz"),
        checksum_url=publisher.url("MD5SUM.LST"),
        **extra,
    )


def _source(school) -> ListSource:
    return ListSource.objects.get(school=school, name=NAME, is_active=True)


def test_update_downloads_checks_imports_and_publishes(
    school, filtering_dir, publisher, published, capsys
):
    make_groups(school)
    starter_lists_load(school=school)
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    feed = _feed(school, publisher)
    with published():
        warden(["filter-lists", "update"])
    assert NAME in capsys.readouterr().out
    source = _source(school)
    assert source.category_counts["gambling"] > 100
    assert source.category_counts["drugs"] > 100
    assert source.origin == feed.url
    feed.refresh_from_db()
    assert feed.last_success_at is not None and not feed.failing
    assert feed.version and feed.entry_count == source.entry_count
    decision = engine_for(school).decide(f"http://{GAMBLING_DOMAIN}/", client_ip="10.1.2.3")
    assert decision.blocked and decision.category == "gambling"
    # The full list replaces the starter lists that asked for an update.
    assert not ListSource.objects.filter(name=STARTER_UT1_NAME, is_active=True).exists()


def test_unchanged_list_is_not_imported_again(school, filtering_dir, publisher, published):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    _feed(school, publisher)
    with published():
        list_feeds_update()
    first = _source(school)
    [result] = list_feeds_update()
    assert result.ok and not result.changed
    assert _source(school).pk == first.pk
    assert _source(school).imported_at == first.imported_at


def test_bad_checksum_keeps_the_list_in_force(school, filtering_dir, publisher, published):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    feed = _feed(school, publisher)
    with published():
        list_feeds_update()
    before = _source(school)
    publisher.publish(
        "blacklists.tar.gz", ut1_tarball({"gambling": ["new-casino.test"]}), md5_of=b"other"
    )
    [result] = list_feeds_update()
    assert not result.ok and "does not match its published checksum" in result.message
    assert _source(school).sha256 == before.sha256
    feed.refresh_from_db()
    assert feed.failing and "checksum" in feed.last_error


def test_truncated_download_keeps_the_list_in_force(
    school, filtering_dir, publisher, published, capsys
):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    feed = _feed(school, publisher)
    with published():
        list_feeds_update()
    before = _source(school)
    publisher.publish("blacklists.tar.gz", ut1_tarball({"gambling": ["new-casino.test"]}))
    publisher.cut_short.add("blacklists.tar.gz")
    with pytest.raises(SystemExit):
        warden(["filter-lists", "update", "--source", NAME])
    assert "stopped part-way" in capsys.readouterr().err
    assert _source(school).sha256 == before.sha256
    feed.refresh_from_db()
    assert feed.failing and "stopped part-way" in feed.last_error


def test_truncated_tarball_with_its_own_checksum_is_refused(school, filtering_dir, publisher):
    whole = ut1_tarball()
    publisher.publish("blacklists.tar.gz", whole[: len(whole) // 2])
    feed = _feed(school, publisher)
    [result] = list_feeds_update()
    assert not result.ok and "not a complete tarball" in result.message
    assert not ListSource.objects.filter(school=school, name=NAME).exists()
    feed.refresh_from_db()
    assert feed.failing


def test_category_that_shrinks_to_a_fraction_is_refused(
    school, filtering_dir, publisher, published
):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    _feed(school, publisher)
    with published():
        list_feeds_update()
    before = _source(school)
    domains = (STARTER_UT1 / "drogue" / "domains").read_text()
    publisher.publish(
        "blacklists.tar.gz",
        ut1_tarball({"gambling": ["one-casino.test"], "drogue": domains.splitlines()}),
    )
    [result] = list_feeds_update()
    assert not result.ok
    assert "far fewer entries" in result.message and "Gambling" in result.message
    assert _source(school).category_counts == before.category_counts


def test_one_download_serves_every_school_using_the_address(
    school, other_school, filtering_dir, publisher, published
):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    _feed(school, publisher)
    _feed(other_school, publisher)
    with published():
        results = list_feeds_update()
    assert [r.ok for r in results] == [True, True]
    assert publisher.hits.count("blacklists.tar.gz") == 1
    assert ListSource.objects.filter(name=NAME, is_active=True).count() == 2


def test_the_daily_job_updates_the_lists(school, filtering_dir, publisher, published):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    _feed(school, publisher)
    with published():
        queued = schedule_tick()
    assert "monitoring.filter_list_update" in queued
    assert _source(school).category_counts["gambling"] > 100


def test_lists_are_fetched_over_https_only(school):
    with pytest.raises(ServiceError, match="https://") as caught:
        list_feed_create(
            actor=None,
            school=school,
            name="Plain http",
            url="http://lists.example.org/blacklists.tar.gz",
            expected_checksum="0" * 32,
        )
    assert "url" in caught.value.field_errors
    with pytest.raises(ServiceError, match="web address"):
        list_feed_create(
            actor=None, school=school, name="A folder", url="/srv/lists", expected_checksum="0" * 32
        )


def test_a_list_without_any_checksum_is_refused(school):
    with pytest.raises(ServiceError, match="checksum file") as caught:
        list_feed_create(
            actor=None, school=school, name="Unchecked", url="https://lists.example.org/x.txt"
        )
    assert "checksum_url" in caught.value.field_errors


def test_default_feed_is_ut1_with_its_published_checksums(school):
    feed = list_feed_default_create(school=school)
    assert feed is not None
    assert feed.url == DEFAULT_UT1_URL and feed.checksum_url == DEFAULT_UT1_CHECKSUMS
    assert list_feed_default_create(school=school) is None
