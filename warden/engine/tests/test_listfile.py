"""The compiled list file the helpers map: same answers as the lists it was built from."""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import zlib
from pathlib import Path

import pytest

from warden.engine.datafiles import STARTER_UT1
from warden.engine.listfile import LISTS_MAGIC_V2, MappedIndex, map_file, open_lists
from warden.engine.lists import CategoryIndex, ListBuilder, ListFormatError, load_ut1

# Written to the lists and looked up in other spellings: subdomains, IP hosts (and their
# odd spellings), ports, userinfo, IDNs, percent escapes, trailing dots, IPv6.
DOMAINS = {
    "gambling": ["casino.example", "www.bet.example", "*.poker.example", "xn--bcher-kva.de"],
    "malware": ["bad.bet.example", "203.0.113.9", "2001:db8::7", "198.51.100.0/24"],
    "games": ["play.example", "bücher.de", "deep.a.b.example"],
    "social-networks": ["chat.example", "casino.example"],
}
URLS = {
    "gambling": ["news.example/casino/", "www2.media.example/Bet%20Now", "h.example/"],
    "malware": ["203.0.113.10/payload", "news.example/casino/evil", "[2001:db8::8]/x"],
    "games": ["bücher.de/spiele/", "ftp.files.example//a//b", "files.example/a?x=1"],
}
HOSTS = [
    "casino.example",
    "CASINO.example.",
    "www.casino.example:8443",
    "user:pw@m.casino.example",
    "bet.example",
    "x.bad.bet.example",
    "poker.example",
    "a.poker.example",
    "bücher.de",
    "www.BÜCHER.de",
    "xn--bcher-kva.de",
    "203.0.113.9",
    "3405803785",
    "0xcb.0.113.9",
    "203.0.113.10",
    "198.51.100.77",
    "[2001:db8::7]:443",
    "2001:db8::7",
    "deep.a.b.example",
    "a.b.example",
    "ex%61mple.casino.example",
    "example",
    "com",
    "",
    "nothing.example",
]
URL_CASES = [
    "http://news.example/casino/roulette",
    "https://news.example/CASINO/evil/more",
    "http://www.news.example//casino/x",
    "news.example:443",
    "http://news.example/",
    "http://media.example/bet now",
    "http://www.media.example/bet%20now/x",
    "https://web3.media.example/Bet%2520Now",
    "http://h.example:8080/anything",
    "h.example:443",
    "http://www.h.example/",
    "http://203.0.113.10/payload/1",
    "http://[2001:db8::8]/x/y",
    "http://bücher.de/Spiele/1",
    "http://xn--bcher-kva.de/spiele/",
    "http://files.example/a/b/c",
    "http://files.example/a?x=1&y=2",
    "http://files.example/a?y=1",
    "http://sub.files.example/a/b",
    "http://u@files.example:81/a//b#frag",
]


def _built() -> CategoryIndex:
    builder = ListBuilder()
    for category, entries in DOMAINS.items():
        builder.add_domains(entries, category)
    for category, entries in URLS.items():
        builder.add_urls(entries, category)
    return builder.build()


def _mapped(index: CategoryIndex, tmp_path: Path) -> CategoryIndex:
    path = tmp_path / "lists.wli"
    index.save(path)
    with open(path, "rb") as handle:
        return open_lists(map_file(handle.fileno()))


def test_a_mapped_file_answers_like_the_lists_it_was_built_from(tmp_path: Path):
    index = _built()
    mapped = _mapped(index, tmp_path)
    assert isinstance(mapped, MappedIndex)
    for host in HOSTS:
        assert mapped.categories_for_host(host) == index.categories_for_host(host), host
    for url in URL_CASES + [f"http://{host}/" for host in HOSTS]:
        assert mapped.categories_for_url(url) == index.categories_for_url(url), url
    assert mapped.host_facts_many(HOSTS) == index.host_facts_many(HOSTS)
    assert set(mapped.categories_for_host("x.bad.bet.example")) == {"malware", "gambling"}
    assert set(mapped.categories_for_host("www.BÜCHER.de")) == {"gambling", "games"}
    assert mapped.categories_for_host("3405803785") == ("malware",)
    assert mapped.categories_for_url("http://www.media.example/bet%20now/x") == ("gambling",)
    assert mapped.categories_for_url("http://sub.files.example/a/b") == ()


def test_a_mapped_file_answers_like_the_starter_lists(tmp_path: Path):
    index = load_ut1(STARTER_UT1)
    mapped = _mapped(index, tmp_path)
    domains = list(index.domain_masks)[::7]
    for domain in domains:
        for host in (domain, f"www.{domain}", f"a.b.{domain}:443", f"x{domain}"):
            assert mapped.mask_for_host(host) == index.mask_for_host(host), host
    for host, table in list(index.url_tables.items())[::3]:
        for path in table.paths:
            for url in (f"http://{host}/{path}", f"http://www.{host}/{path}x/y", f"{host}:443"):
                assert mapped.mask_for_url(url) == index.mask_for_url(url), url


def test_a_file_reads_back_whole_into_the_same_lists(tmp_path: Path):
    index = _built()
    mapped = _mapped(index, tmp_path)
    loaded = CategoryIndex.load(tmp_path / "lists.wli")
    for other in (mapped, loaded):
        assert other.categories == index.categories
        assert dict(other.domain_masks) == dict(index.domain_masks)
        assert {h: (t.paths, t.masks) for h, t in other.url_tables.items()} == {
            h: (t.paths, t.masks) for h, t in index.url_tables.items()
        }
        assert list(other.networks) == list(index.networks)
        assert other.counts() == index.counts()
        assert len(other) == len(index)
        assert other.to_bytes() == index.to_bytes()


def test_more_than_64_categories_keep_every_bit(tmp_path: Path):
    builder = ListBuilder()
    for number in range(70):
        builder.add_domain(f"site{number}.example", f"topic{number:02d}")
        builder.add_domain("shared.example", f"topic{number:02d}")
    builder.add_url("site69.example/deep/", "topic00")
    index = builder.build()
    mapped = _mapped(index, tmp_path)
    assert len(mapped.categories_for_host("www.shared.example")) == 70
    assert mapped.categories_for_host("a.site69.example") == index.categories_for_host(
        "a.site69.example"
    )
    url = "http://site69.example/deep/x"
    assert mapped.categories_for_url(url) == index.categories_for_url(url)


def test_empty_lists_compile_and_match_nothing(tmp_path: Path):
    mapped = _mapped(ListBuilder().build(), tmp_path)
    assert mapped.categories_for_url("http://example.com/a") == ()
    assert len(mapped) == 0


def test_a_damaged_file_is_refused_before_use():
    data = _built().to_bytes()
    for damaged in (
        data[:-3],
        data[:-3] + b"abc",
        data.replace(b'"version":2', b'"version":9'),
        data[: len(LISTS_MAGIC_V2) + 5],
    ):
        with pytest.raises(ListFormatError):
            open_lists(damaged)
        with pytest.raises(ListFormatError):
            CategoryIndex.from_bytes(damaged)


def test_damaged_tables_never_read_outside_the_file():
    """Bytes a checksum would have caught, read as if verified: errors or no match, never a
    read beyond the file."""
    data = bytearray(_built().to_bytes())
    payload = data.index(b"\n", len(LISTS_MAGIC_V2)) + 1
    header = json.loads(data[len(LISTS_MAGIC_V2) : payload - 1])
    start, size = header["areas"]["domain_slots"]
    for at in range(payload + start, payload + start + size, 4):
        data[at : at + 4] = b"\xff\xff\xff\x7f"
    damaged = open_lists(bytes(data), verified=True)
    for host in HOSTS:
        with contextlib.suppress(ValueError):
            damaged.categories_for_host(host)


def test_files_of_the_earlier_format_still_load():
    names = b"casino.example\nbet.example"
    urls = b"news.example/casino/"
    payload = zlib.compress(names + urls)
    header = {
        "format": "warden-lists",
        "version": 1,
        "categories": ["gambling"],
        "domains": [[1, 2, len(names)]],
        "urls": [[1, 1, len(urls)]],
        "networks": [],
        "compression": "zlib",
        "raw_size": len(names + urls),
        "payload_size": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    data = b"WARDEN-LISTS 1\n" + json.dumps(header).encode() + b"\n" + payload
    index = open_lists(data)
    assert not isinstance(index, MappedIndex)
    assert index.categories_for_host("www.bet.example") == ("gambling",)
    assert index.categories_for_url("http://news.example/casino/1") == ("gambling",)


def test_a_mapping_is_read_only(tmp_path: Path):
    path = tmp_path / "lists.wli"
    _built().save(path)
    with open(path, "rb") as handle:
        mapping = map_file(handle.fileno())
    with pytest.raises(TypeError):
        mapping[0:1] = b"x"
    assert isinstance(mapping, mmap.mmap)
