"""Warden's category set and the mappings from list sources onto it."""

from __future__ import annotations

import pytest

from warden.engine.categories import (
    BY_SLUG,
    CATEGORIES,
    HOSTS_CATEGORIES,
    ILLEGAL_SLUGS,
    UKSIC,
    UT1_ALIASES,
    UT1_CATEGORIES,
    by_uksic,
    get_category,
    hosts_category,
    is_illegal,
    resolve_slug,
    ut1_category,
)
from warden.engine.datafiles import STARTER_UT1


def test_every_uk_safer_internet_centre_category_has_a_warden_category():
    covered = by_uksic()
    assert all(covered[item] for item in UKSIC)


def test_only_child_abuse_and_terrorist_content_are_illegal():
    assert {"child-sexual-abuse", "terrorism"} == ILLEGAL_SLUGS
    assert is_illegal("csam")
    assert not is_illegal("gambling")


def test_illegal_categories_come_first_in_priority():
    assert [c.slug for c in CATEGORIES[:2]] == ["child-sexual-abuse", "terrorism"]


def test_every_category_has_a_label_and_a_description():
    assert len(BY_SLUG) == len(CATEGORIES)
    for category in CATEGORIES:
        assert category.label and category.description.endswith(".")


def test_operational_categories_schools_manage_exist():
    for slug in (
        "social-networks",
        "games",
        "webmail",
        "chat",
        "file-sharing",
        "streaming",
        "shopping",
        "dating",
        "doh",
        "advertising",
        "adult",
        "weapons",
        "cheating",
        "cults",
        "proxies",
        "vpn",
    ):
        assert slug in BY_SLUG


def test_every_ut1_folder_maps_to_a_warden_category():
    root = STARTER_UT1  # every folder of the full lists, a few entries each
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert len(folders) >= 66
    for name in folders:
        assert ut1_category(name) in BY_SLUG, name


def test_french_ut1_names_map_to_their_meaning():
    assert ut1_category("agressif") == "violence"
    assert ut1_category("drogue") == "drugs"
    assert ut1_category("tricheur") == "cheating"
    assert ut1_category("publicite") == "advertising"
    assert ut1_category("sect") == "cults"
    assert ut1_category("arjel") == "gambling"
    assert ut1_category("redirector") == "proxies"


def test_ut1_aliases_resolve_through_the_folder_they_name():
    assert UT1_ALIASES == {
        "porn": "adult",
        "drugs": "drogue",
        "violence": "agressif",
        "proxy": "redirector",
        "ads": "publicite",
    }
    assert ut1_category("porn") == "pornography"
    assert ut1_category("violence") == "violence"
    assert ut1_category("ads") == "advertising"


def test_ut1_allow_lists_map_to_allow_list_categories():
    for name in ("liste_blanche", "child", "liste_bu", "educational_games"):
        assert get_category(UT1_CATEGORIES[name]).allow_list


def test_hosts_list_file_names_map_to_categories():
    assert hosts_category("gambling-hosts") == "gambling"
    assert hosts_category("pornography-hosts") == "pornography"
    assert hosts_category("porn-hosts") == "pornography"
    assert hosts_category("snuff-hosts") == "violence"
    assert hosts_category("social-hosts") == "social-networks"
    assert hosts_category("unknown-thing") is None
    assert set(HOSTS_CATEGORIES.values()) <= set(BY_SLUG)


def test_aliases_used_by_the_keyword_library_resolve():
    assert resolve_slug("grooming") == "child-sexual-exploitation"
    assert resolve_slug("Proxy") == "proxies"
    with pytest.raises(ValueError):
        resolve_slug("no-such-category")
