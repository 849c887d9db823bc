"""The compiled parts of the engine agree with the plain definitions they stand in for."""

from __future__ import annotations

import random
import re

import pyarrow as pa
import pytest

from warden.engine.columns import ColumnIndex
from warden.engine.lists import CategoryIndex, ListBuilder
from warden.engine.logs import host_of, parse_chunk, parse_text
from warden.engine.strings import (
    StringTable,
    lookup,
    lookup_domains,
    prefix_matches,
    serials,
)

HOST = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*://)?(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)")


def reference_host(url: str) -> str | None:
    match = HOST.match(url)
    assert match is not None
    host = match.group(1).lower().rstrip(".")
    return host or None


TRICKY_URLS = [
    "https://www.Google.co.uk/search?q=x",
    "http://user:secret@Example.org:8080/path",
    "www.bbc.co.uk:443",
    "http://[2001:DB8::1]:443/x",
    "http://[unclosed/x",
    "HTTP://EXAMPLE.COM./",
    "example.com",
    "example.com/a/b",
    "ftp://files.example.net",
    "http://host?query@x",
    "http://host#frag",
    "1a://notascheme.example/",
    "a+b.c-d://weird.example/",
    "mailto:someone@example.com",
    "http://",
    "",
    "http://ÉCOLE.example/",
    "http://münchen.de/",
    "//no-scheme.example/path",
    "http://a@b@c.example/",
    "-",
]


def test_hosts_follow_the_documented_pattern():
    assert host_of(pa.array(TRICKY_URLS)).to_pylist() == [reference_host(u) for u in TRICKY_URLS]


def test_hosts_of_a_sliced_column_with_nulls():
    urls = pa.array([None, *TRICKY_URLS, None])[1:]
    assert host_of(urls).to_pylist() == [reference_host(u) for u in TRICKY_URLS] + [None]


def squid_line(method: bytes) -> bytes:
    return b"1700000000.5 1 10.0.0.1 TCP_MISS/200 5 " + method + b" http://h.example/ - - -\n"


def test_invalid_utf8_is_replaced_as_python_replaces_it():
    rng = random.Random(4)
    pieces = [
        b"a",
        b"\xc3\xa9",
        b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80",
        b"\xff",
        b"\xc0",
        b"\xe2\x82",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\x80",
        b"\xf0\x9f",
        b"\xe0\x80\xaf",
    ]
    methods = [b"".join(rng.choices(pieces, k=rng.randrange(1, 6))) for _ in range(400)]
    records, malformed = parse_text("squid", b"".join(squid_line(m) for m in methods))
    assert malformed == []
    assert [r.method for r in records] == [m.decode("utf-8", "replace") for m in methods]


def test_squid_fields_times_and_rejects():
    data = (
        b"1700000000.1235\t 7 10.0.0.1 TCP_MISS/200 5 GET http://a.example/ - - -\r\r\n"
        b"   \n"
        b"1700000000 7 10.0.0.1 TCP_MISS/200 -5 GET http://b.example/ u - text/html\n"
        b"17000000000000 7 10.0.0.1 TCP_MISS/200 5 GET http://c.example/ - - -\n"
        b"1700000000.x x 10.0.0.1 TCP_MISS/200 y GET http://d.example/ - - -\n"
        b"1700000001 0 10.0.0.2 TCP_MISS/abc 5 GET http://e.example/ - - -\n"
        b"1700000002 0 10.0.0.2 TCP_MISS/200 5 GET http://f.example/ - - -"
    )
    chunk = parse_chunk("squid", data, base_offset=100, first_line_no=10)
    rows = chunk.table.to_pylist()
    assert [(r["line_no"], r["host"]) for r in rows] == [
        (10, "a.example"),
        (12, "b.example"),
        (16, "f.example"),
    ]
    assert rows[0]["ts"].timestamp() == pytest.approx(1700000000.124)
    assert rows[0]["offset"] == 100
    assert rows[1]["bytes"] == -5 and rows[1]["username"] == "u"
    assert rows[1]["content_type"] == "text/html" and rows[0]["content_type"] is None
    assert [(m.line_no, m.reason) for m in chunk.malformed] == [
        (11, "expected 10 fields"),
        (13, "time is not a number"),
        (14, "time is not a number"),  # one rejection a line: its first bad field
        (15, "status code is not a number"),
    ]
    assert chunk.malformed[-1].offset == 100 + data.index(b"1700000001")
    assert chunk.malformed[-1].text.endswith("http://e.example/ - - -")
    assert (chunk.lines, chunk.blank) == (7, 0)


def test_string_table_keeps_every_key_through_growth():
    table = StringTable()
    for i in range(20_000):
        table.set(f"10.{i // 256}.{i % 256}.1", i)
    table.set(b"10.0.0.1", 7)
    with pytest.raises(ValueError, match="0 or more"):
        table.set("10.0.0.2", -1)
    assert len(table) == 20_000
    assert table.get("10.0.0.1") == 7
    assert table.get("10.78.31.1") == 78 * 256 + 31
    assert table.get("10.0.0.2", 5) == 5
    column = pa.array(["x", "10.1.2.1", None, "10.0.3.1", "10.0.3.1.", ""])[1:]
    assert lookup(table, column).to_pylist() == [258, None, 3, None, None]
    table.clear()
    assert len(table) == 0
    assert lookup(table, column).null_count == 5


def test_domain_lookup_counts_every_listed_parent():
    table = StringTable()
    table.set("example.com", 1)
    table.set("ads.example.com", 2)
    table.set("uk", 3)
    first, matches = lookup_domains(
        table, pa.array(["x.ads.example.com", "example.com", "bbc.co.uk", "other.org", None])
    )
    assert first.to_pylist() == [2, 1, 3, None, None]
    assert matches.to_pylist() == [2, 1, 1, 0, 0]


def index_of(domains: dict[str, list[str]], urls: dict[str, list[str]]) -> CategoryIndex:
    builder = ListBuilder()
    for category, entries in domains.items():
        builder.add_domains(entries, category)
    for category, entries in urls.items():
        builder.add_urls(entries, category)
    return builder.build()


def test_host_facts_of_a_column_equal_those_of_the_plain_lookup():
    index = index_of(
        {
            "gambling": ["casino.example", "ads.casino.example", "10.9.9.9", "bücher.de"],
            "news": ["casino.example", "news.example"],
        },
        {"news": ["www.news.example/sport/", "video.example/watch"]},
    )
    hosts = [
        "casino.example",
        "www.casino.example",
        "x.ads.casino.example",
        "news.example",
        "www.news.example",
        "www2.news.example",
        "www.",
        "video.example",
        "www.video.example",
        "10.9.9.9",
        "xn--bcher-kva.de",
        "bücher.de",
        "host.example:8080",
        "unlisted.example",
        "_dmarc.news.example",
    ]
    numbers, url_rules, masks = ColumnIndex(index).host_facts(pa.array(hosts))
    column = [
        (masks[n], u) for n, u in zip(numbers.to_pylist(), url_rules.to_pylist(), strict=True)
    ]
    assert column == index.host_facts_many(hosts)


def test_serials_number_new_strings_in_the_order_they_come():
    table = StringTable()
    numbers, added = serials(table, pa.array(["b", "a", None, "b", "c"]))
    assert numbers.to_pylist() == [0, 1, None, 0, 2]
    assert added.to_pylist() == [0, 1, 4]
    numbers, added = serials(table, pa.array(["c", "d", "a", "d"])[1:])
    assert numbers.to_pylist() == [3, 1, 3]
    assert added.to_pylist() == [0]
    assert len(table) == 4 and table.get("d") == 3


def test_url_masks_of_a_column_equal_those_of_the_plain_lookup():
    index = index_of(
        {"gambling": ["casino.example"]},
        {
            "news": [
                "www.video.example/watch",
                "video.example/watch?v=bad",
                "video.example/Sport/",
                "video.example/a//b",
                "casino.example/poker",
                "10.1.1.1/admin",
                "docs.example/é",
            ],
            "weapons": ["video.example/watch?v=bad&list", "video.example/sport/extreme"],
        },
    )
    urls = [
        "https://video.example/watch?v=bad&list=1",
        "https://www.video.example/watch?v=fine",
        "http://VIDEO.example//sport/extreme/x",
        "http://video.example/sport",
        "http://video.example/a/b/c",
        "http://video.example/a//b",
        "http://video.example/watch#top",
        "http://video.example/watch%3Fv=bad",
        "https://casino.example/poker/room",
        "https://casino.example/",
        "http://10.1.1.1/admin/x",
        "http://docs.example/%C3%A9t%C3%A9",
        "http://docs.example/é",
        "video.example:443",
        "http://video.example?x=/watch",
        "http://other.example/watch",
        None,
    ]
    column = pa.array(urls, pa.string())
    numbers, masks = ColumnIndex(index).url_masks(column, host_of(column))
    assert [masks[n] if n is not None else None for n in numbers.to_pylist()][:-1] == (
        index.masks_for_urls(urls[:-1])
    )


def test_prefix_matches_find_every_entry_that_starts_the_path():
    entries = pa.array(["", "a/", "a/b", "a/bc?x", "b"])  # table 0: rows 1-4; table 1: row 0
    values = pa.array([9, 1, 2, 3, 4], pa.int32())
    ranges = pa.array([1, 5, 0, 1], pa.int32())
    urls = pa.array(
        ["http://h/a/bc?x=1", "http://h//A/B", "http://h/a/", "http://h/c", "h:443", "http://h/%61"]
    )
    tables = pa.array([0, 0, 0, 0, 1, 0], pa.int32())
    found, matches, odd = prefix_matches(urls, tables, entries, values, ranges)
    assert found.to_pylist() == [3, 2, 1, None, 9, None]
    assert matches.to_pylist() == [3, 2, 1, 0, 1, 0]
    assert odd.to_pylist() == [False, False, False, False, False, True]
