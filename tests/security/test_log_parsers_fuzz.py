"""Fuzzing the log parsers (Squid, e2guardian, DNS): whatever a log holds (bytes that are
not UTF-8, control characters, huge fields, any number of fields), parsing never fails;
every line is a whole row, a reported reject, blank or ignored, exactly one of them; and a
row is never half-read (it points at its own line, with a timestamp and valid columns).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warden.engine.logs import FORMATS, LOG_SCHEMA, LogFormat, parse_chunk

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)

SQUID = [
    b"1700000000.123",
    b"   120",
    b"10.0.0.5",
    b"TCP_MISS/200",
    b"5123",
    b"GET",
    b"https://www.example.com/search?q=x",
    b"-",
    b"HIER_DIRECT/142.250.1.1",
    b"text/html",
]
E2GUARDIAN = [
    b"1700000000.123",
    b"",
    b"pupil1",
    b"10.0.0.9",
    b"https://www.youtube.com/results?search_query=knife",
    b"GET",
    b"403",
    b"2048",
    b"text/html",
    b"",
    b"",
    b"12",
    b"",
    b"500",
    b"*DENIED* Banned site: youtube.com",
    b"0",
    b"Video sites",
    b"Pupils",
    b"2",
]
DNS = [
    b"15-Mar-2024 10:00:00.123 queries: info: client @0x7f3b1c0 10.0.0.5#53211 (example.com): "
    b"query: example.com IN A +E(0)K (10.0.0.1)",
    b"Mar  5 10:00:01 dnsmasq[123]: query[AAAA] tiktok.com from 10.0.0.6",
    b"Mar  5 10:00:01 dnsmasq[123]: forwarded tiktok.com to 8.8.8.8",
    b"2024-03-15T10:00:03.123456+00:00 host dnsmasq[1]: 7 10.0.0.9/4444 query[A] a.b. "
    b"from 10.0.0.9",
]

# Any bytes but a line end; now and then a huge run.
text = st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"\r"))
huge = st.builds(
    lambda piece, count: piece * count,
    st.binary(min_size=1, max_size=3),
    st.integers(1 << 10, 1 << 17),
).map(lambda b: b.replace(b"\n", b" "))
value = st.one_of(
    text,
    text,
    text,
    huge,
    st.sampled_from([b"-", b"", b"\xff\xfe", b"\x00", b"1e999", b"-1", b"99999999999999999999"]),
)


@st.composite
def fields_line(draw: st.DrawFn, template: list[bytes], separator: bytes) -> bytes:
    """The template with some fields replaced, dropped or added."""
    fields = list(template)
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(fields)))
        action = draw(st.sampled_from(["replace", "drop", "insert"]))
        if action == "insert" or not fields:
            fields.insert(index, draw(value))
        elif action == "drop":
            del fields[min(index, len(fields) - 1)]
        else:
            fields[min(index, len(fields) - 1)] = draw(value)
    return separator.join(fields)


@st.composite
def dns_line(draw: st.DrawFn) -> bytes:
    line = bytearray(draw(st.sampled_from(DNS)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(line)))
        line[at : at + draw(st.integers(0, 8))] = draw(value)
    return bytes(line)


LINES = {
    "squid": st.one_of(fields_line(SQUID, b" "), value),
    "e2guardian": st.one_of(fields_line(E2GUARDIAN, b"\t"), value),
    "dns": st.one_of(dns_line(), value),
}


def check(fmt: LogFormat, lines: list[bytes]) -> None:
    data = b"".join(line + b"\n" for line in lines)
    starts = []
    position = 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    chunk = parse_chunk(fmt, data, base_offset=1000, first_line_no=11, tz="Europe/London", now=NOW)
    table = chunk.table
    assert table.schema == LOG_SCHEMA
    table.validate(full=True)
    assert chunk.lines == len(lines)
    rows = table.column("line_no").to_pylist()
    rejected = [item.line_no for item in chunk.malformed]
    assert len(set(rows)) == len(rows) and len(set(rejected)) == len(rejected)
    assert not set(rows) & set(rejected), "a line is both a row and a reject"
    assert len(rows) + len(rejected) + chunk.blank + chunk.ignored == len(lines)
    assert all(11 <= n < 11 + len(lines) for n in rows + rejected)
    for line_no, offset, ts in zip(
        rows, table.column("offset").to_pylist(), table.column("ts").to_pylist(), strict=True
    ):
        assert offset == 1000 + starts[line_no - 11], "a row points at another line"
        assert ts is not None
        assert lines[line_no - 11].strip(), "a blank line became a row"
    for item in chunk.malformed:
        assert item.offset == 1000 + starts[item.line_no - 11]
        assert item.reason and len(item.text) <= 201


@FUZZ
@given(st.sampled_from(FORMATS), st.data())
def test_log_parsers_never_fail_and_account_for_every_line(fmt: LogFormat, data: st.DataObject):
    lines = data.draw(st.lists(LINES[fmt], min_size=1, max_size=12))
    check(fmt, lines)
