"""Importing category lists, normalising entries and looking hosts and URLs up."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.engine.datafiles import STARTER_UT1
from warden.engine.lists import (
    CategoryIndex,
    ListBuilder,
    ListFormatError,
    load_ut1,
    normalise_domain_entry,
    normalise_host,
    normalise_path,
    split_url,
    strip_common_host_label,
)


def _index(**entries: list[str]) -> CategoryIndex:
    builder = ListBuilder()
    for category, items in entries.items():
        for item in items:
            if "/" in item and not item[0].isdigit():
                builder.add_url(item, category.replace("_", "-"))
            else:
                builder.add_domain(item, category.replace("_", "-"))
    return builder.build()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("example.com:8080", "example.com"),
        ("user:secret@example.com:443", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("BÜCHER.de.", "xn--bcher-kva.de"),
        ("[2001:DB8::1]:443", "2001:db8::1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("ex%61mple.com", "example.com"),
        ("", ""),
    ],
)
def test_hosts_normalise_to_one_spelling(raw, expected):
    assert normalise_host(raw) == expected


def test_domain_entries_lose_a_leading_www_and_wildcards():
    assert normalise_domain_entry("www.Example.com") == "example.com"
    assert normalise_domain_entry("*.example.com") == "example.com"
    assert normalise_domain_entry(".example.com") == "example.com"
    assert normalise_domain_entry("www.com") == "www.com"
    assert normalise_domain_entry("localhost") == ""
    assert normalise_domain_entry("not a host") == ""


def test_common_host_labels_strip_once_like_squidguard():
    assert strip_common_host_label("www.a.com") == "a.com"
    assert strip_common_host_label("www2.a.com") == "a.com"
    assert strip_common_host_label("ftp.a.com") == "a.com"
    assert strip_common_host_label("webmail.a.com") == "webmail.a.com"
    assert strip_common_host_label("www.www.a.com") == "www.a.com"


def test_split_url_handles_full_urls_connect_targets_and_bare_hosts():
    assert split_url("https://u@h.com:8443/a/b?q=1") == ("u@h.com:8443", "/a/b?q=1")
    assert split_url("h.com:443") == ("h.com:443", "")
    assert split_url("http://h.com?x=1") == ("h.com", "?x=1")
    assert split_url("h.com/path") == ("h.com", "/path")


def test_paths_are_decoded_lowered_and_have_no_doubled_slashes():
    assert normalise_path("//Casino//Games/%7Euser?Q=1#frag") == "casino/games/~user?q=1"


def test_parent_domain_entry_blocks_subdomain():
    index = _index(gambling=["example.com"])
    assert index.categories_for_host("example.com") == ("gambling",)
    assert index.categories_for_host("www.example.com") == ("gambling",)
    assert index.categories_for_host("a.b.example.com:443") == ("gambling",)
    assert index.categories_for_host("notexample.com") == ()
    assert index.categories_for_host("example.com.evil.net") == ()


def test_subdomain_entry_does_not_block_its_parent():
    index = _index(games=["play.example.org"])
    assert index.categories_for_host("play.example.org") == ("games",)
    assert index.categories_for_host("example.org") == ()


def test_a_site_in_two_lists_has_both_categories_most_serious_first():
    index = _index(games=["example.com"], gambling=["casino.example.com"])
    assert index.categories_for_host("casino.example.com") == ("gambling", "games")


def test_parent_matches_even_when_a_sibling_subdomain_is_listed():
    # squidGuard 1.6 misses www.example.com here; Warden does not.
    index = _index(gambling=["example.com", "b.example.com"])
    assert index.categories_for_host("www.example.com") == ("gambling",)
    assert index.categories_for_host("a.example.com") == ("gambling",)


def test_similar_domain_does_not_match_by_string_prefix():
    index = _index(gambling=["foo.co"])
    assert index.categories_for_host("foo.com") == ()


def test_url_prefix_entries_match_paths_on_that_host_only():
    index = _index(gambling=["news.example/casino/"])
    assert index.categories_for_url("http://news.example/casino/poker") == ("gambling",)
    assert index.categories_for_url("https://www.news.example/CASINO/x") == ("gambling",)
    assert index.categories_for_url("http://news.example:8080//casino/x") == ("gambling",)
    assert index.categories_for_url("http://news.example/casino%2Fx") == ("gambling",)
    assert index.categories_for_url("http://news.example/sport/") == ()
    assert index.categories_for_url("http://sub.news.example/casino/") == ()
    assert index.categories_for_host("news.example") == ()


def test_url_prefixes_are_string_prefixes_like_squidguard():
    index = _index(games=["bar.net/en"])
    assert index.categories_for_url("http://bar.net/entertainment") == ("games",)


def test_nested_url_prefixes_all_apply():
    index = _index(gambling=["h.net/a/"], games=["h.net/a/b/", "h.net/a/c"])
    assert index.categories_for_url("http://h.net/a/b/x") == ("gambling", "games")
    assert index.categories_for_url("http://h.net/a/bz") == ("gambling",)
    assert index.categories_for_url("http://h.net/a/c/d") == ("gambling", "games")
    assert index.categories_for_url("http://h.net/b") == ()


def test_ip_address_entries_match_every_spelling_of_the_address():
    index = _index(malware=["1.2.3.4", "10.0.0.0/8"])
    assert index.categories_for_url("http://1.2.3.4/x") == ("malware",)
    assert index.categories_for_url("http://16909060/") == ("malware",)
    assert index.categories_for_url("http://10.20.30.40/") == ("malware",)
    assert index.categories_for_url("http://2.3.4/") == ()
    assert index.categories_for_url("http://11.2.3.4/") == ()


def test_idn_entries_match_punycode_and_unicode_requests():
    index = _index(shopping=["bücher.de"])
    assert index.categories_for_host("xn--bcher-kva.de") == ("shopping",)
    assert index.categories_for_url("http://www.BÜCHER.de/") == ("shopping",)


def test_connect_targets_and_userinfo_are_looked_up_by_host():
    index = _index(proxies=["proxy.example"])
    assert index.categories_for_url("proxy.example:443") == ("proxies",)
    assert index.categories_for_url("http://me:pw@proxy.example/") == ("proxies",)


def test_hosts_file_parsing_skips_local_names_and_comments(tmp_path: Path):
    hosts = tmp_path / "gambling-hosts"
    hosts.write_text(
        "# a hosts list\n"
        "127.0.0.1 localhost\n"
        "::1 localhost ip6-localhost\n"
        "255.255.255.255 broadcasthost\n"
        "0.0.0.0 bet.example  # inline comment\n"
        "127.0.0.1 www.casino.example poker.example\n"
        "0.0.0.0 0.0.0.0\n"
        "plain.example\n"
    )
    builder = ListBuilder()
    assert builder.add_hosts_file(hosts) == 4
    index = builder.build()
    assert index.categories == ("gambling",)
    assert index.categories_for_host("bet.example") == ("gambling",)
    assert index.categories_for_host("casino.example") == ("gambling",)
    assert index.categories_for_host("poker.example") == ("gambling",)
    assert index.categories_for_host("plain.example") == ("gambling",)
    assert index.categories_for_host("localhost") == ()
    assert index.domain_count == 4


def test_plain_domain_lists_accept_comments_wildcards_and_ranges(tmp_path: Path):
    listing = tmp_path / "local.txt"
    listing.write_text("# school list\n*.tiktok.com\nroblox.com # games\n192.0.2.0/24\n\n")
    builder = ListBuilder()
    assert builder.add_domain_list_file(listing, "social-networks") == 3
    index = builder.build()
    assert index.categories_for_host("www.tiktok.com") == ("social-networks",)
    assert index.categories_for_host("192.0.2.7") == ("social-networks",)


def test_ut1_directory_import_maps_folder_names(tmp_path: Path):
    for name, domains, urls in (
        ("agressif", "fight.example\n", "news.example/fights/\n"),
        ("drogue", "weed.example\n", None),
        ("liste_blanche", "school.example\n", None),
    ):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "domains").write_text(domains)
        if urls:
            (folder / "urls").write_text(urls)
    builder = ListBuilder()
    added = builder.add_ut1(tmp_path, ["violence", "drogue"])
    assert added == {"violence": 2, "drogue": 1}
    index = builder.build()
    assert index.categories_for_host("fight.example") == ("violence",)
    assert index.categories_for_url("http://news.example/fights/1") == ("violence",)
    assert index.categories_for_host("weed.example") == ("drugs",)
    assert index.categories_for_host("school.example") == ()


def test_compiled_lists_round_trip_through_bytes(tmp_path: Path):
    index = _index(gambling=["example.com", "h.net/a/"], malware=["1.2.3.4", "10.0.0.0/8"])
    path = tmp_path / "lists.wli"
    index.save(path)
    loaded = CategoryIndex.load(path)
    assert loaded.categories == index.categories
    assert loaded.categories_for_host("www.example.com") == ("gambling",)
    assert loaded.categories_for_url("http://h.net/a/b") == ("gambling",)
    assert loaded.categories_for_url("http://10.1.1.1/") == ("malware",)
    assert len(loaded) == len(index) == 4


def test_a_damaged_list_file_is_refused():
    data = _index(gambling=["example.com"]).to_bytes()
    with pytest.raises(ListFormatError):
        CategoryIndex.from_bytes(data[:-3])
    with pytest.raises(ListFormatError):
        CategoryIndex.from_bytes(data[:-3] + b"abc")
    with pytest.raises(ListFormatError):
        CategoryIndex.from_bytes(b"something else")


def test_the_host_cache_stays_bounded():
    index = CategoryIndex(("gambling",), {"example.com": 1}, {}, cache_size=4)
    for n in range(10):
        index.categories_for_host(f"h{n}.example.com")
    assert len(index.host_cache) <= 4
    assert index.categories_for_host("example.com") == ("gambling",)


def test_real_ut1_gambling_list_blocks_a_listed_domain_and_its_subdomains():
    root = STARTER_UT1
    first = next(
        line.strip()
        for line in (root / "gambling" / "domains").read_text().splitlines()
        if line.strip() and not line[0].isdigit()
    )
    index = load_ut1(root, ["gambling", "arjel"])
    assert index.categories == ("gambling",)
    assert index.domain_count >= 300
    assert index.categories_for_host(first) == ("gambling",)
    assert index.categories_for_url(f"https://www.{first}/poker") == ("gambling",)
    assert index.categories_for_url("astrolabio.net/casino/roulette") == ("gambling",)
    assert index.categories_for_host("www.gov.uk") == ()
