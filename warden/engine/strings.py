"""Arrow string columns handed to and taken back from the compiled module.

:mod:`warden.engine._native` reads and writes columns as Arrow's own buffers (a validity
bitmap, int32 offsets and the UTF-8 bytes), so a column crosses without a Python object per
row. These are the two directions, and the lookups of a :class:`StringTable` by column.
"""

from __future__ import annotations

import pyarrow as pa

from warden.engine._native import StringTable

__all__ = ["StringTable", "int32_column", "lookup", "lookup_domains", "string_column"]

_STR = pa.string()
_INT32 = pa.int32()

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


def _arguments(strings: pa.Array) -> tuple[object, object, object, int, int]:
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
    return int32_column(len(strings), table.lookup(*_arguments(strings)))


def lookup_domains(table: StringTable, hosts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """For each host, the value of the most specific of it and its parent domains that
    ``table`` holds (null if none), and how many of them it holds (int32)."""
    first, matches = table.lookup_domains(*_arguments(hosts))
    count = len(hosts)
    return int32_column(count, first), pa.Array.from_buffers(
        _INT32, count, [None, pa.py_buffer(matches)], null_count=0
    )
