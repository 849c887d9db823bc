"""Arrow string columns handed to and taken back from the compiled module.

:mod:`warden.engine._native` reads and writes columns as Arrow's own buffers (a validity
bitmap, int32 offsets and the UTF-8 bytes), so a column crosses without a Python object per
row. These are the two directions, and the lookups of a :class:`StringTable` by column.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from warden.engine import _native as native
from warden.engine._native import StringTable

__all__ = [
    "StringTable",
    "column_arguments",
    "int32_column",
    "lookup",
    "lookup_domains",
    "prefix_matches",
    "serials",
    "string_column",
    "values_buffer",
]

_STR = pa.string()
_INT32 = pa.int32()
_ZERO_U8 = pa.scalar(0, pa.uint8())

Buffers = tuple[bytes, bytes | None, int]
StringBuffers = tuple[bytes, bytes, bytes | None, int]


def string_column(count: int, column: StringBuffers) -> pa.Array:
    """A string array from the compiled module's ``(offsets, data, validity, nulls)``."""
    offsets, data, valid, nulls = column
    return pa.Array.from_buffers(
        _STR,
        count,
        [None if valid is None else pa.py_buffer(valid), pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=nulls,
    )


def int32_column(count: int, column: Buffers) -> pa.Array:
    """An int32 array from the compiled module's ``(values, validity, nulls)``."""
    values, valid, nulls = column
    return pa.Array.from_buffers(
        _INT32,
        count,
        [None if valid is None else pa.py_buffer(valid), pa.py_buffer(values)],
        null_count=nulls,
    )


def column_arguments(strings: pa.Array) -> tuple[object, object, object, int, int]:
    """A string column as the compiled functions take it: (validity or None, offsets, data,
    rows, the array's offset in rows)."""
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    if strings.type != _STR:
        strings = strings.cast(_STR)
    valid, offsets, data = strings.buffers()
    return (
        valid,
        offsets if offsets is not None else b"\0\0\0\0",
        data if data is not None else b"",
        len(strings),
        strings.offset,
    )


def lookup(table: StringTable, strings: pa.Array) -> pa.Array:
    """The value of each string in ``table``; null where it is null or not there."""
    return int32_column(len(strings), table.lookup(*column_arguments(strings)))


def serials(table: StringTable, strings: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Each string's value in ``table`` (null for null strings), where strings not there yet
    are added first with the next serial number (the table's size then) as their value; and
    the rows at which strings were added, in the order they were (int32)."""
    values, added = table.serials(*column_arguments(strings))
    return int32_column(len(strings), values), pa.Array.from_buffers(
        _INT32, len(added) // 4, [None, pa.py_buffer(added)], null_count=0
    )


def prefix_matches(
    urls: pa.Array, tables: pa.Array, entries: pa.Array, values: pa.Array, ranges: pa.Array
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """URL list entries that are prefixes of each URL's path (see ``lists.UrlTable``).

    ``tables`` gives each URL's entry table (int32, -1 for none); table ``t`` is rows
    ``ranges[2t]`` to ``ranges[2t + 1]`` of ``entries`` (sorted paths) and ``values`` (their
    int32 values). Returns, per URL, the value of its longest matching entry (null if none),
    how many entries match, and whether the URL has percent escapes or characters beyond
    ASCII, so that it was left for :func:`lists.normalise_path`."""
    found, matches, odd = native.url_prefixes(
        *column_arguments(urls),
        values_buffer(tables),
        *column_arguments(entries)[1:3],
        values_buffer(values),
        values_buffer(ranges),
    )
    count = len(urls)
    return (
        int32_column(count, found),
        pa.Array.from_buffers(_INT32, count, [None, pa.py_buffer(matches)], null_count=0),
        pc.not_equal(
            pa.Array.from_buffers(pa.uint8(), count, [None, pa.py_buffer(odd)], null_count=0),
            _ZERO_U8,
        ),
    )


def values_buffer(values: pa.Array, type_: pa.DataType = _INT32) -> memoryview | bytes:
    """The values of a fixed-width array without nulls, cast to ``type_``, as bytes."""
    if values.null_count:
        raise ValueError("the values must not be null here")
    if values.type != type_:
        values = values.cast(type_)
    data = values.buffers()[1]
    if data is None or len(values) == 0:
        return b""
    width = type_.bit_width // 8
    return memoryview(data)[values.offset * width : (values.offset + len(values)) * width]


def lookup_domains(table: StringTable, hosts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """For each host, the value of the most specific of it and its parent domains that
    ``table`` holds (null if none), and how many of them it holds (int32)."""
    first, matches = table.lookup_domains(*column_arguments(hosts))
    count = len(hosts)
    return int32_column(count, first), pa.Array.from_buffers(
        _INT32, count, [None, pa.py_buffer(matches)], null_count=0
    )
