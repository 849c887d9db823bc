"""Parsers for the logs a school's filter writes, into one columnar shape.

Formats:

``squid``
    Squid's native access.log: ``time elapsed client action/code size method URL ident
    hierarchy/from type``, where the elapsed time is padded to six characters with spaces.
    HTTPS that is not intercepted shows up as ``CONNECT host:443`` lines.
``e2guardian``
    e2guardian 5's access log in ``logfileformat`` 5 or 6 (6 blanks the server column) and
    the longer 7 and 8: tab-separated ``timestamp server user client [client-host] URL
    method code size mime-type user-agent - duration - message-number what weight category
    group-name group [search-terms flags]``, where *what* starts with ``*DENIED*`` when the
    request was blocked and then gives the reason. The column count (19, 20 with
    ``logclienthostandip``, 21 or 22 for formats 7 and 8) tells the variants apart.
``dns``
    DNS query logs: BIND's query log (``client @0x... 10.0.0.5#53211 (example.com): query:
    example.com IN A +E(0)K (10.0.0.1)``, with or without BIND's own timestamp and category
    and severity) and dnsmasq's ``log-queries`` lines (``query[A] example.com from
    10.0.0.5``), on their own or behind a syslog prefix. Other dnsmasq lines (forwarded,
    reply, cached) are counted as ignored, not as malformed. Syslog timestamps have no year
    and no zone: give ``year`` (default: this year, or last year for a date still ahead)
    and ``tz``, the zone the DNS server writes local times in.

Everything is done a chunk at a time into Arrow arrays, because a Python object per line
cannot keep up with a school's proxy. Squid's lines are split and converted in compiled
code (:func:`warden.engine._native.parse_squid`), a line at a time straight into Arrow
buffers; the other formats become one string array whose fields are split out with Arrow's
vectorised string kernels and converted in bulk. Each row keeps the byte offset and line
number of its line. Lines that cannot be parsed are skipped and reported with their line
number, offset and reason; blank lines are skipped silently; bytes that are not UTF-8 are
replaced as Python's ``"replace"`` error handler does, keeping offsets exact.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warden.engine import _native as native
from warden.engine.strings import column_arguments, string_column

__all__ = [
    "FORMATS",
    "LOG_SCHEMA",
    "LogFormat",
    "LogRecord",
    "Malformed",
    "ParsedChunk",
    "parse_chunk",
    "parse_text",
    "records",
    "split_lines",
]

LogFormat = Literal["squid", "e2guardian", "dns"]
FORMATS: tuple[LogFormat, ...] = ("squid", "e2guardian", "dns")

TIMESTAMP = pa.timestamp("ms", tz="UTC")

LOG_SCHEMA = pa.schema(
    [
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("line_no", pa.int64(), nullable=False),
        pa.field("ts", TIMESTAMP, nullable=False),
        pa.field("client_ip", pa.string()),
        pa.field("username", pa.string()),
        pa.field("method", pa.string()),
        pa.field("url", pa.string()),
        pa.field("host", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("bytes", pa.int64()),
        pa.field("elapsed_ms", pa.int64()),
        pa.field("action", pa.string()),
        pa.field("decision", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("content_type", pa.string()),
        pa.field("peer", pa.string()),
        pa.field("log_category", pa.string()),
    ]
)
"""One row a request. ``url`` is the URL (``host:port`` for CONNECT, the query name for
DNS); ``host`` its host name in lower case; ``method`` the HTTP method or the DNS query type;
``action`` the log's own result code (Squid's ``TCP_MISS``, e2guardian's ``DENIED``);
``decision`` that result normalised to ``allowed``, ``denied`` or ``exception`` (null when
the log does not say); ``reason`` e2guardian's explanation; ``log_category`` the category
e2guardian names; ``peer`` Squid's hierarchy/from field."""

_STR = pa.string()
_INT64 = pa.int64()
_NULL_STR = pa.scalar(None, _STR)
# Typed constants: a bare Python value handed to a compute function is type-inferred on
# every call, which costs more than some of the kernels it is handed to.
_EMPTY_STR = pa.scalar("", _STR)
_DASH = pa.scalar("-", _STR)
_ONE = pa.scalar(1, pa.int64())
_ZERO_I32 = pa.scalar(0, pa.int32())
_THOUSAND = pa.scalar(1000.0, pa.float64())
_MAX_EPOCH_SECONDS = pa.scalar(1e11, pa.float64())  # the year 5138
_STATUS_TEXT = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class Malformed:
    line_no: int
    offset: int
    reason: str
    text: str
    """The start of the line (at most 200 characters), for the operator."""


@dataclass(slots=True)
class ParsedChunk:
    table: pa.Table
    malformed: list[Malformed]
    lines: int
    blank: int = 0
    ignored: int = 0


@dataclass(frozen=True, slots=True)
class LogRecord:
    offset: int
    line_no: int
    ts: dt.datetime
    client_ip: str | None
    username: str | None
    method: str | None
    url: str | None
    host: str | None
    status: int | None
    bytes: int | None
    elapsed_ms: int | None
    action: str | None
    decision: str | None
    reason: str | None
    content_type: str | None
    peer: str | None
    log_category: str | None


def records(table: pa.Table) -> Iterator[LogRecord]:
    """The rows of a parsed table as Python objects (for tests and small jobs)."""
    for row in table.select(LOG_SCHEMA.names).to_pylist():
        yield LogRecord(**row)


def parse_text(
    fmt: LogFormat, text: str | bytes, **options: object
) -> tuple[list[LogRecord], list[Malformed]]:
    """Parse a whole log held in memory; see :func:`parse_chunk` for the options."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if data and not data.endswith(b"\n"):
        data += b"\n"
    chunk = parse_chunk(fmt, data, **options)  # type: ignore[arg-type]
    return list(records(chunk.table)), chunk.malformed


# -- lines -------------------------------------------------------------------------------

_LINE_READ = pacsv.ReadOptions(column_names=["line"], use_threads=False, block_size=1 << 26)
# \x1f (unit separator) never occurs in these logs; the reader only has to find newlines.
_LINE_PARSE = pacsv.ParseOptions(
    delimiter="\x1f",
    quote_char=False,
    escape_char=False,
    double_quote=False,
    newlines_in_values=False,
    ignore_empty_lines=False,
)
_LINE_CONVERT = pacsv.ConvertOptions(
    column_types={"line": pa.string()},
    check_utf8=False,
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
)


def split_lines(data: bytes) -> tuple[pa.StringArray, pa.Int64Array]:
    """The lines of ``data`` (without their newlines) and the offset each starts at.

    Arrow's CSV reader, told to look for nothing but newlines, splits a chunk in C. It
    would also break lines at a carriage return and at the unit separator, and it does not
    check UTF-8 here, so a chunk that has either byte or invalid UTF-8 takes a slower path
    in Python that keeps the offsets exact and replaces undecodable bytes.
    """
    if not data:
        return pa.array([], _STR), pa.array([], pa.int64())
    if not data.endswith(b"\n"):
        data += b"\n"
    lines: pa.StringArray | None = None
    if b"\r" not in data and b"\x1f" not in data:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=_LINE_READ,
            parse_options=_LINE_PARSE,
            convert_options=_LINE_CONVERT,
        )
        candidate = cast(pa.StringArray, table.column("line").combine_chunks())
        try:
            candidate.validate(full=True)
            lines = candidate
        except pa.ArrowInvalid:
            lines = None
    if lines is not None:
        lengths = pc.add(pc.binary_length(lines).cast(pa.int64()), _ONE)
        ends = pc.cumulative_sum(lengths)
        starts = cast(pa.Int64Array, pc.subtract(ends, lengths))
        return lines, starts
    raw = data[:-1].split(b"\n")
    offsets = []
    position = 0
    for line in raw:
        offsets.append(position)
        position += len(line) + 1
    decoded = [line.decode("utf-8", "replace").rstrip("\r") for line in raw]
    return cast(pa.StringArray, pa.array(decoded, _STR)), cast(
        pa.Int64Array, pa.array(offsets, pa.int64())
    )


# -- shared conversions -----------------------------------------------------------------


def host_of(urls: pa.Array) -> pa.Array:
    """Lower-case host names of URLs, or of ``host:port`` as CONNECT logs them: what
    ``^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/?#]*@)?(\\[[^\\]]*\\]|[^:/?#]*)`` captures,
    without trailing dots; null where that is empty. Done in compiled code, a URL at a time.
    """
    column, wide = native.hosts(*column_arguments(urls))
    host = string_column(len(urls), column)
    return pc.utf8_lower(host) if wide else host


def _dash_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(
        pc.or_(pc.equal(values, _DASH), pc.equal(values, _EMPTY_STR)), _NULL_STR, values
    )


def _integers(values: pa.Array, target: pa.DataType) -> tuple[pa.Array, pa.Array | None]:
    """Cast digit strings to integers; anything else becomes null and is flagged."""
    try:
        return pc.cast(values, target), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        good = pc.match_substring_regex(values, r"^-?[0-9]{1,18}$")
        cleaned = pc.if_else(good, values, _NULL_STR)
        return pc.cast(cleaned, target), pc.invert(good)


def _epoch_ms(values: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Epoch seconds with a fraction ("1700000000.123") to UTC timestamps."""
    bad: pa.Array | None = None
    try:
        seconds = pc.cast(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        good = pc.match_substring_regex(values, r"^[0-9]{1,12}(?:\.[0-9]*)?$")
        seconds = pc.cast(pc.if_else(good, values, _NULL_STR), pa.float64())
        bad = pc.invert(good)
    # "1e999", "nan" or "-1e300" cast to a float too, but to no time a timestamp can hold.
    usable = pc.less(pc.abs(seconds), _MAX_EPOCH_SECONDS)
    if not pc.all(pc.fill_null(usable, True)).as_py():
        out_of_range = pc.invert(pc.fill_null(usable, True))
        bad = out_of_range if bad is None else pc.or_(pc.fill_null(bad, False), out_of_range)
        seconds = pc.if_else(usable, seconds, pa.scalar(None, pa.float64()))
    millis = pc.cast(pc.round(pc.multiply(seconds, _THOUSAND)), pa.int64())
    return pc.cast(millis, TIMESTAMP), bad


def _decode_usernames(users: pa.Array) -> pa.Array:
    """Squid and e2guardian write user names URL-encoded ("DOMAIN%5Cpupil"). A school has
    a few thousand names at most, so each distinct name is decoded once."""
    encoded = pc.fill_null(pc.match_substring(users, "%"), False)
    if not pc.any(encoded).as_py():
        return users
    dictionary = cast(pa.DictionaryArray, pc.dictionary_encode(users))
    names = [None if name is None else unquote(name) for name in dictionary.dictionary.to_pylist()]
    return pc.take(pa.array(names, _STR), dictionary.indices)


def _clip(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"


def _assemble(columns: dict[str, pa.Array], size: int) -> pa.Table:
    arrays = []
    for field in LOG_SCHEMA:
        column = columns.get(field.name)
        if column is None:
            arrays.append(pa.nulls(size, field.type))
        else:
            arrays.append(column.cast(field.type) if column.type != field.type else column)
    return pa.Table.from_arrays(arrays, schema=LOG_SCHEMA)


def _empty() -> pa.Table:
    return LOG_SCHEMA.empty_table()


# -- formats -----------------------------------------------------------------------------


def parse_chunk(
    fmt: LogFormat,
    data: bytes,
    *,
    base_offset: int = 0,
    first_line_no: int = 1,
    tz: str = "UTC",
    year: int | None = None,
    now: dt.datetime | None = None,
) -> ParsedChunk:
    """Parse complete lines (``data`` should end with a newline).

    ``base_offset`` and ``first_line_no`` place the chunk in its file so offsets and line
    numbers in the result are the file's. ``tz``, ``year`` and ``now`` only matter for DNS
    logs with local, year-less timestamps.
    """
    if fmt == "squid":
        return _parse_squid_chunk(data, base_offset, first_line_no)
    lines, starts = split_lines(data)
    total = len(lines)
    if total == 0:
        return ParsedChunk(_empty(), [], 0)
    blank = pc.equal(pc.binary_length(lines), _ZERO_I32)
    blank_count = pc.sum(blank).as_py() or 0
    if fmt == "e2guardian":
        table, malformed, ignored = _parse_e2guardian(lines, starts, blank)
    elif fmt == "dns":
        table, malformed, ignored = _parse_dns(lines, starts, blank, tz, year, now)
    else:
        raise ValueError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}")
    # The format parsers work with positions within the chunk; place them in the file.
    if base_offset or first_line_no != 1:
        # Fields from the schema, not names: a named field would lose "not null".
        table = table.set_column(
            0,
            LOG_SCHEMA.field("offset"),
            pc.add(table.column("offset"), pa.scalar(base_offset, pa.int64())),
        )
        table = table.set_column(
            1,
            LOG_SCHEMA.field("line_no"),
            pc.add(table.column("line_no"), pa.scalar(first_line_no - 1, pa.int64())),
        )
    reports = []
    for index, reason in malformed:
        text = lines[index].as_py() or ""
        reports.append(
            Malformed(
                first_line_no + index, base_offset + starts[index].as_py(), reason, _clip(text)
            )
        )
    return ParsedChunk(table, _one_per_line(reports), total, blank_count, ignored)


def _one_per_line(reports: list[Malformed]) -> list[Malformed]:
    """Rejects in line order, one a line (the first reason found) however many of its
    fields were bad, so that counts of rejected lines are counts of lines."""
    reports.sort(key=lambda item: item.line_no)
    out: list[Malformed] = []
    for report in reports:
        if not out or out[-1].line_no != report.line_no:
            out.append(report)
    return out


_Parsed = tuple[pa.Table, list[tuple[int, str]], int]


def _flag(mask: pa.Array | None, reason: str) -> list[tuple[int, str]]:
    if mask is None:
        return []
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return []
    return [(index, reason) for index in pc.indices_nonzero(mask).to_pylist()]


def _line_numbers(kept: pa.Array) -> pa.Array:
    return pc.add(kept, pa.scalar(1, pa.int64()))


def _finish(
    columns: dict[str, pa.Array],
    kept: pa.Array,
    starts: pa.Array,
    rejects: list[tuple[int, str]],
    row_bad: list[tuple[pa.Array | None, str]],
) -> tuple[pa.Table, list[tuple[int, str]]]:
    """Drop rows whose values failed to convert, then build the table."""
    bad_any: pa.Array | None = None
    reported: set[int] = set()  # a line with several bad values is one reject, the first
    for mask, reason in row_bad:
        if mask is None:
            continue
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            for row in pc.indices_nonzero(mask).to_pylist():
                if row not in reported:
                    reported.add(row)
                    rejects.append((kept[row].as_py(), reason))
            bad_any = mask if bad_any is None else pc.or_(bad_any, mask)
    kept64 = kept.cast(pa.int64())
    columns["offset"] = pc.take(starts, kept64)
    columns["line_no"] = _line_numbers(kept64)
    table = _assemble(columns, len(kept))
    if bad_any is not None:
        table = table.filter(pc.invert(bad_any))
    return table, rejects


_SQUID_REJECTS = (
    "expected 10 fields",
    "time is not a number",
    "elapsed time is not a number",
    "size is not a number",
)
_SQUID_STRINGS = ("client_ip", "result", "method", "url", "username", "peer", "content_type")


def _int64_array(count: int, data: bytes) -> pa.Array:
    return pa.Array.from_buffers(_INT64, count, [None, pa.py_buffer(data)], null_count=0)


def _parse_squid_chunk(data: bytes, base_offset: int, first_line_no: int) -> ParsedChunk:
    """Squid's lines are split into fields and converted in compiled code, a line at a
    time; the few dozen distinct results ("TCP_MISS/200") are then split here once each."""
    lines, blank, size, numbers, strings, found, wide_hosts = native.parse_squid(
        data, base_offset, first_line_no
    )
    reports = [
        Malformed(
            first_line_no + index,
            base_offset + start,
            _SQUID_REJECTS[reason],
            _clip(data[start : start + length].decode("utf-8", "replace")),
        )
        for index, start, length, reason in found
    ]
    if size == 0:
        return ParsedChunk(_empty(), _one_per_line(reports), lines, blank)
    text = {name: string_column(size, strings[i]) for i, name in enumerate(_SQUID_STRINGS)}
    host = string_column(size, strings[len(_SQUID_STRINGS)])
    if wide_hosts:
        host = pc.utf8_lower(host)
    offset, line_no, ts, elapsed, size_bytes = (_int64_array(size, n) for n in numbers)
    results = cast(pa.DictionaryArray, pc.dictionary_encode(text["result"]))
    actions: list[str] = []
    statuses: list[int | None] = []
    bad_statuses: list[bool] = []
    slashless: list[bool] = []
    for result in results.dictionary.to_pylist():
        action, slash, status = result.partition("/")
        actions.append(action)
        slashless.append(not slash)
        number = int(status) if _STATUS_TEXT.fullmatch(status) else None
        statuses.append(number)
        bad_statuses.append(bool(status) and number is None)
    codes = results.indices
    denied = pa.array(["denied" if "DENIED" in a else "allowed" for a in actions], _STR)
    table = _assemble(
        {
            "offset": offset,
            "line_no": line_no,
            "ts": ts.view(TIMESTAMP),
            "elapsed_ms": elapsed,
            "client_ip": text["client_ip"],
            "action": pc.take(pa.array(actions, _STR), codes),
            "status": pc.take(pa.array(statuses, pa.int32()), codes),
            "bytes": size_bytes,
            "method": text["method"],
            "url": text["url"],
            "host": host,
            "username": _decode_usernames(text["username"]),
            "peer": text["peer"],
            "content_type": text["content_type"],
            "decision": pc.take(denied, codes),
        },
        size,
    )
    bad = [
        (pc.take(pa.array(flags, pa.bool_()), codes), reason)
        for flags, reason in (
            (bad_statuses, "status code is not a number"),
            (slashless, "result is not action/code"),
        )
        if any(flags)
    ]
    if bad:
        for mask, reason in bad:
            rows = pc.indices_nonzero(mask)
            for start, number in zip(
                pc.take(offset, rows).to_pylist(), pc.take(line_no, rows).to_pylist(), strict=True
            ):
                line = data[start - base_offset :].partition(b"\n")[0].rstrip(b"\r")
                reports.append(
                    Malformed(number, start, reason, _clip(line.decode("utf-8", "replace")))
                )
        keep = pc.invert(functools.reduce(pc.or_, (mask for mask, _ in bad)))
        table = table.filter(keep)
    return ParsedChunk(table, _one_per_line(reports), lines, blank)


# Column positions of the e2guardian fields after "who", by column count. Formats 5 and 6
# log the client as one column ("from", or the host name when one was looked up); with
# logclienthostandip on, "from" and "clienthost" get a column each.
_E2G_LAYOUTS = {
    19: {"client": 3, "url": 4},
    20: {"client": 3, "url": 5},
    21: {"client": 3, "url": 4},
    22: {"client": 3, "url": 5},
}
_E2G_AFTER_URL = {
    "method": 1,
    "code": 2,
    "size": 3,
    "mime": 4,
    "duration": 7,
    "what": 10,
    "category": 12,
}
_E2G_STAMPS = r"^(?:\*[A-Z-]+\*\s*)+"


def _parse_e2guardian(lines: pa.Array, starts: pa.Array, blank: pa.Array) -> _Parsed:
    fields = pc.split_pattern(lines, "\t")
    count = pc.list_value_length(fields)
    known = pc.is_in(count, value_set=pa.array(list(_E2G_LAYOUTS), pa.int32()))
    rejects = _flag(
        pc.and_(pc.invert(known), pc.invert(blank)), "expected 19 to 22 tab-separated fields"
    )
    tables = []
    for width, layout in _E2G_LAYOUTS.items():
        mask = pc.and_(pc.equal(count, width), pc.invert(blank))
        kept = pc.indices_nonzero(mask)
        if len(kept) == 0:
            continue
        rows = fields.filter(mask)
        url_at = layout["url"]

        def column(index: int, rows: pa.Array = rows) -> pa.Array:
            return pc.list_element(rows, index)

        ts, bad_ts = _epoch_ms(column(0))
        url = column(url_at)
        status, bad_status = _integers(
            _dash_to_null(column(url_at + _E2G_AFTER_URL["code"])), pa.int32()
        )
        size, bad_size = _integers(
            _dash_to_null(column(url_at + _E2G_AFTER_URL["size"])), pa.int64()
        )
        duration, bad_duration = _integers(
            _dash_to_null(column(url_at + _E2G_AFTER_URL["duration"])), pa.int64()
        )
        what = column(url_at + _E2G_AFTER_URL["what"])
        stamps = pc.struct_field(pc.extract_regex(what, r"^(?P<stamps>(?:\*[A-Z-]+\*\s*)*)"), [0])
        denied = pc.match_substring(stamps, "*DENIED")
        excepted = pc.or_(
            pc.match_substring(stamps, "*EXCEPTION*"), pc.match_substring(stamps, "*TRUSTED*")
        )
        decision = pc.if_else(denied, "denied", pc.if_else(excepted, "exception", "allowed"))
        action = pc.utf8_trim(pc.replace_substring(stamps, "*", " "), characters=" ")
        reason = pc.replace_substring_regex(what, _E2G_STAMPS, "")
        columns = {
            "ts": ts,
            "username": _decode_usernames(_dash_to_null(column(2))),
            "client_ip": column(layout["client"]),
            "url": url,
            "host": host_of(url),
            "method": column(url_at + _E2G_AFTER_URL["method"]),
            "status": status,
            "bytes": size,
            "content_type": _dash_to_null(column(url_at + _E2G_AFTER_URL["mime"])),
            "elapsed_ms": duration,
            "action": _dash_to_null(action),
            "decision": decision,
            "reason": _dash_to_null(reason),
            "log_category": _dash_to_null(column(url_at + _E2G_AFTER_URL["category"])),
        }
        table, rejects = _finish(
            columns,
            kept,
            starts,
            rejects,
            [
                (bad_ts, "time is not a number"),
                (bad_status, "status code is not a number"),
                (bad_size, "size is not a number"),
                (bad_duration, "duration is not a number"),
            ],
        )
        tables.append(table)
    if not tables:
        return _empty(), rejects, 0
    table = pa.concat_tables(tables)
    if len(tables) > 1:
        table = table.sort_by("offset")
    return table, rejects, 0


_SYSLOG_PREFIX = (
    r"(?:(?P<iso>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
    r"|(?P<sys>[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2}))"
    r" (?:[^ ]+ )?[^ :\[]+(?:\[\d+\])?: "
)
_BIND_PREFIX = r"(?P<bdate>\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}:\d{2})(?:\.(?P<bfrac>\d{1,6}))? "
_BIND_BODY = (
    r"(?:[a-z-]+: )?(?:[a-z]+: )?client (?:@0x[0-9a-fA-F]+ )?(?P<bip>[0-9a-fA-F.:]+)#\d+"
    r"(?: \([^)]*\))?: (?:view [^:]+: )?query: (?P<bname>[^ ]+) [A-Z0-9]+ (?P<btype>[A-Z0-9]+)"
)
_DNSMASQ_BODY = (
    r"(?:\d+ [0-9a-fA-F.:]+/\d+ )?query\[(?P<dtype>[A-Z0-9]+)\] (?P<dname>[^ ]+)"
    r" from (?P<dip>[0-9a-fA-F.:]+)"
)
_DNS_PATTERN = (
    r"^(?:"
    + _SYSLOG_PREFIX
    + r"|"
    + _BIND_PREFIX
    + r")?(?:"
    + _BIND_BODY
    + r"|"
    + _DNSMASQ_BODY
    + r")"
)


def _parse_dns(
    lines: pa.Array,
    starts: pa.Array,
    blank: pa.Array,
    tz: str,
    year: int | None,
    now: dt.datetime | None,
) -> _Parsed:
    parsed = pc.extract_regex(lines, _DNS_PATTERN)
    matched = pc.is_valid(parsed)
    queryish = pc.or_(pc.match_substring(lines, "query["), pc.match_substring(lines, "query: "))
    unmatched = pc.and_(pc.invert(matched), pc.invert(blank))
    rejects = _flag(pc.and_(unmatched, queryish), "query line in an unknown layout")
    ignored = pc.sum(pc.and_(unmatched, pc.invert(queryish))).as_py() or 0
    kept = pc.indices_nonzero(matched)
    if len(kept) == 0:
        return _empty(), rejects, ignored
    parsed = parsed.filter(matched)

    def group(name: str) -> pa.Array:
        values = pc.struct_field(parsed, [_DNS_GROUPS.index(name)])
        return pc.if_else(pc.equal(values, ""), _NULL_STR, values)

    name = pc.coalesce(group("bname"), group("dname"))
    ts = _dns_times(group("iso"), group("sys"), group("bdate"), group("bfrac"), tz, year, now)
    host = pc.utf8_rtrim(pc.utf8_lower(name), characters=".")
    columns = {
        "ts": ts,
        "client_ip": pc.coalesce(group("bip"), group("dip")),
        "method": pc.coalesce(group("btype"), group("dtype")),
        "url": name,
        "host": host,
    }
    table, rejects = _finish(columns, kept, starts, rejects, [(pc.is_null(ts), "no timestamp")])
    return table, rejects, ignored


_DNS_GROUPS = ["iso", "sys", "bdate", "bfrac", "bip", "bname", "btype", "dtype", "dname", "dip"]


def _dns_times(
    iso: pa.Array,
    syslog: pa.Array,
    bind: pa.Array,
    bind_fraction: pa.Array,
    tz: str,
    year: int | None,
    now: dt.datetime | None,
) -> pa.Array:
    local = pa.timestamp("ms")
    # BIND: "15-Mar-2024 10:00:00" plus an optional fraction of a second.
    bind_ts = pc.strptime(bind, format="%d-%b-%Y %H:%M:%S", unit="ms", error_is_null=True)
    fraction = pc.utf8_slice_codeunits(pc.binary_join_element_wise(bind_fraction, "000", ""), 0, 3)
    fraction_ms = pc.cast(pc.fill_null(fraction, "0"), pa.int64())
    bind_ts = pc.cast(pc.add(pc.cast(bind_ts, pa.int64()), fraction_ms), local)
    # Syslog: "Mar  5 10:00:00", no year.
    current = now or dt.datetime.now(dt.UTC)
    syslog = pc.replace_substring(syslog, "  ", " ")
    guess = year or current.year
    sys_ts = _syslog_times(syslog, guess)
    if year is None:
        # A date more than a day ahead of now must be from last December.
        limit = pa.scalar((current + dt.timedelta(days=1)).replace(tzinfo=None), local)
        ahead = pc.fill_null(pc.greater(sys_ts, limit), False)
        if pc.any(ahead).as_py():
            sys_ts = pc.if_else(ahead, _syslog_times(syslog, guess - 1), sys_ts)
    naive = pc.coalesce(bind_ts, sys_ts)
    zoned = pc.assume_timezone(naive, timezone=tz, ambiguous="earliest", nonexistent="earliest")
    zoned = pc.cast(zoned, TIMESTAMP)
    # rsyslog's high-precision timestamps carry their own offset.
    iso_valid = pc.is_valid(iso)
    if pc.any(iso_valid).as_py():
        iso_ts = pc.cast(pc.cast(iso, pa.timestamp("us", tz="UTC")), TIMESTAMP, safe=False)
        zoned = pc.coalesce(iso_ts, zoned)
    return zoned


def _syslog_times(values: pa.Array, year: int) -> pa.Array:
    text = pc.binary_join_element_wise(pa.scalar(str(year)), values, " ")
    return pc.strptime(text, format="%Y %b %d %H:%M:%S", unit="ms", error_is_null=True)
