from __future__ import annotations

import datetime as dt

import pytest

from warden.engine.logs import LOG_SCHEMA, parse_chunk, parse_text, split_lines

UTC = dt.UTC

SQUID = (
    "1700000000.123    120 10.0.0.5 TCP_MISS/200 5123 GET "
    "https://www.Google.co.uk/search?q=how+to+kill+myself - HIER_DIRECT/142.250.1.1 text/html\n"
    "1700000001.456  60010 10.0.0.6 TCP_TUNNEL/200 4000 CONNECT www.bbc.co.uk:443 "
    "DOMAIN%5Cjsmith HIER_DIRECT/1.2.3.4 -\n"
    "1700000002.000 1234567 10.0.0.7 TCP_DENIED/403 300 GET http://bad.example/ - HIER_NONE/- "
    "text/html\n"
)


def test_squid_native_lines_become_uniform_records():
    records, malformed = parse_text("squid", SQUID)
    assert malformed == []
    first, connect, denied = records
    assert first.ts == dt.datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert (first.client_ip, first.username, first.method, first.status, first.bytes) == (
        "10.0.0.5",
        None,
        "GET",
        200,
        5123,
    )
    assert first.host == "www.google.co.uk"
    assert (first.url or "").endswith("q=how+to+kill+myself")
    assert (first.action, first.decision, first.elapsed_ms, first.content_type) == (
        "TCP_MISS",
        "allowed",
        120,
        "text/html",
    )
    assert (connect.method, connect.url, connect.host) == (
        "CONNECT",
        "www.bbc.co.uk:443",
        "www.bbc.co.uk",
    )
    assert connect.username == "DOMAIN\\jsmith"
    assert connect.content_type is None
    assert (denied.decision, denied.status, denied.elapsed_ms) == ("denied", 403, 1234567)


def test_offsets_and_line_numbers_point_at_the_raw_lines():
    data = SQUID.encode()
    records, _ = parse_text("squid", data)
    for record in records:
        line = data[record.offset :].split(b"\n", 1)[0]
        assert line.startswith(b"17000000")
    assert [r.line_no for r in records] == [1, 2, 3]


def test_malformed_lines_are_skipped_and_reported_with_line_numbers():
    text = (
        SQUID.splitlines()[0]
        + "\nthis is not a squid line\n\n"
        + "1700000003.000    abc 10.0.0.7 TCP_MISS/200 300 GET http://x.example/ - HIER_NONE/- -\n"
        + "1700000004.000      5 10.0.0.7 NONE 300 GET http://y.example/ - HIER_NONE/- -\n"
        + SQUID.splitlines()[1]
        + "\n"
    )
    chunk = parse_chunk("squid", text.encode(), base_offset=1000, first_line_no=50)
    assert [r["line_no"] for r in chunk.table.select(["line_no"]).to_pylist()] == [50, 55]
    assert [(m.line_no, m.reason) for m in chunk.malformed] == [
        (51, "expected 10 fields"),
        (53, "elapsed time is not a number"),
        (54, "result is not action/code"),
    ]
    assert chunk.malformed[0].offset == 1000 + len(SQUID.splitlines()[0]) + 1
    assert chunk.malformed[0].text == "this is not a squid line"
    assert (chunk.lines, chunk.blank) == (6, 1)


def test_invalid_utf8_and_carriage_returns_keep_offsets_exact():
    good = SQUID.splitlines()[0].encode()
    data = good + b"\r\n" + good.replace(b"GET", b"G\xffT") + b"\n" + good + b"\n"
    lines, starts = split_lines(data)
    assert starts.to_pylist() == [0, len(good) + 2, 2 * len(good) + 3]
    assert lines[0].as_py() == good.decode()
    records, malformed = parse_text("squid", data)
    assert [r.offset for r in records] == [0, len(good) + 2, 2 * len(good) + 3]
    assert records[1].method == "G\ufffdT"
    assert malformed == []


def test_empty_input_gives_an_empty_table_with_the_schema():
    chunk = parse_chunk("squid", b"")
    assert chunk.table.schema == LOG_SCHEMA
    assert chunk.table.num_rows == 0


def e2g_line(*, who="pupil1", what="", code="200", clienthost=None, extra=()):
    fields = ["1700000000.123", "", who, "10.0.0.9"]
    if clienthost is not None:
        fields.append(clienthost)
    fields += [
        "https://www.youtube.com/results?search_query=knife",
        "GET",
        code,
        "2048",
        "text/html",
        "",
        "",
        "12",
        "",
        "500",
        what,
        "0",
        "Video sites" if what else "",
        "Pupils",
        "2",
        *extra,
    ]
    return "\t".join(fields)


def test_e2guardian_format_6_gives_denials_with_their_reason():
    text = "\n".join(
        [
            e2g_line(what="*DENIED* Banned site: youtube.com", code="403"),
            e2g_line(who="", what=""),
            e2g_line(what="*TRUSTED* Exception site match: youtube.com"),
        ]
    )
    denied, allowed, trusted = parse_text("e2guardian", text)[0]
    assert (denied.decision, denied.action, denied.reason, denied.status) == (
        "denied",
        "DENIED",
        "Banned site: youtube.com",
        403,
    )
    assert (denied.username, denied.client_ip, denied.host) == (
        "pupil1",
        "10.0.0.9",
        "www.youtube.com",
    )
    assert denied.log_category == "Video sites"
    assert (denied.bytes, denied.elapsed_ms, denied.content_type) == (2048, 12, "text/html")
    assert (allowed.decision, allowed.username, allowed.reason) == ("allowed", None, None)
    assert trusted.decision == "exception"


def test_e2guardian_column_variants_are_told_apart_by_their_count():
    lines = [
        e2g_line(clienthost="pc12.school.local", what="*DENIED* Banned phrase found."),
        e2g_line(extra=("knife", "flags")),
        "too\tfew\tcolumns",
    ]
    records, malformed = parse_text("e2guardian", "\n".join(lines))
    assert [r.client_ip for r in records] == ["10.0.0.9", "10.0.0.9"]
    assert (records[0].url or "").startswith("https://www.youtube.com")
    assert records[0].reason == "Banned phrase found."
    assert [(m.line_no, m.reason) for m in malformed] == [
        (3, "expected 19 to 22 tab-separated fields")
    ]


DNS = (
    "15-Mar-2024 10:00:00.123 queries: info: client @0x7f3b1c0 10.0.0.5#53211 (Example.com): "
    "query: Example.com IN A +E(0)K (10.0.0.1)\n"
    "Mar  5 10:00:01 dnsmasq[123]: query[AAAA] tiktok.com from 10.0.0.6\n"
    "Mar  5 10:00:01 dnsmasq[123]: forwarded tiktok.com to 8.8.8.8\n"
    "Jul 15 10:00:02 ns1 named[99]: client 10.0.0.8#5353 (x.org): query: x.org IN MX + (10.0.0.1)\n"
    "2024-03-15T10:00:03.123456+00:00 host dnsmasq[1]: 7 10.0.0.9/4444 query[A] a.b. "
    "from 10.0.0.9\n"
    "Mar 15 10:00:04 dnsmasq[123]: query[A broken\n"
)


def test_bind_and_dnsmasq_query_lines_become_records_in_utc():
    chunk = parse_chunk("dns", DNS.encode(), tz="Europe/London", year=2024)
    records = chunk.table.to_pylist()
    assert [(r["client_ip"], r["method"], r["host"]) for r in records] == [
        ("10.0.0.5", "A", "example.com"),
        ("10.0.0.6", "AAAA", "tiktok.com"),
        ("10.0.0.8", "MX", "x.org"),
        ("10.0.0.9", "A", "a.b"),
    ]
    assert records[0]["ts"] == dt.datetime(2024, 3, 15, 10, 0, 0, 123000, tzinfo=UTC)
    # July in London is BST, an hour ahead of UTC.
    assert records[2]["ts"] == dt.datetime(2024, 7, 15, 9, 0, 2, tzinfo=UTC)
    assert records[3]["ts"] == dt.datetime(2024, 3, 15, 10, 0, 3, 123000, tzinfo=UTC)
    assert chunk.ignored == 1
    assert [(m.line_no, m.reason) for m in chunk.malformed] == [
        (6, "query line in an unknown layout")
    ]


def test_syslog_dates_ahead_of_now_belong_to_last_year():
    now = dt.datetime(2025, 1, 2, 12, 0, tzinfo=UTC)
    chunk = parse_chunk(
        "dns",
        b"Dec 31 23:59:00 dnsmasq[1]: query[A] a.example from 10.0.0.1\n"
        b"Jan  2 08:00:00 dnsmasq[1]: query[A] b.example from 10.0.0.1\n",
        now=now,
    )
    assert [r["ts"].year for r in chunk.table.to_pylist()] == [2024, 2025]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        parse_chunk("apache", b"x\n")  # type: ignore[arg-type]


def test_an_e2guardian_time_no_timestamp_can_hold_is_a_reject_not_a_crash():
    lines = [e2g_line(), e2g_line().replace("1700000000.123", "1e999", 1)]
    lines.append(e2g_line().replace("1700000000.123", "-1e300", 1))
    records, malformed = parse_text("e2guardian", "\n".join(lines))
    assert [r.line_no for r in records] == [1]
    assert [m.line_no for m in malformed] == [2, 3]


def test_a_line_with_several_bad_fields_is_one_reject():
    squid = "\x00 \x00 10.0.0.5 TCP_MISS/200 5123 GET http://a.example/ - HIER_DIRECT/1.1.1.1 -\n"
    e2g = e2g_line().replace("1700000000.123", "", 1).replace("2048", "many", 1)
    for fmt, text in (("squid", squid), ("e2guardian", e2g)):
        records, malformed = parse_text(fmt, text)  # type: ignore[arg-type]
        assert records == [] and [m.line_no for m in malformed] == [1], (fmt, malformed)
