"""The log archive: every ingested line, as zstd-compressed Parquet, by school and day.

Layout (hive-style, so any Parquet tool sees ``school`` and ``date`` as columns)::

    <root>/school=<slug>/date=YYYY-MM-DD/part-<source>-<chunk>.parquet

``<source>`` is the first 16 hex digits of the source's identity and ``<chunk>`` the chunk's
index within the source, six digits. A chunk's lines go to one file per UTC day they cover.
Writing the same chunk again writes the same names, and each file is written to a hidden
temporary file and renamed over its final name, so archiving is atomic and idempotent: a
reader never sees half a file, and a chunk archived twice is stored once.

Retention drops whole days (:func:`drop_before`), or one person's rows, or every row but
those of people under a legal hold (:func:`remove_rows`). Investigations read the archive
with DuckDB (:mod:`warden.engine.investigate`); :func:`query` stays as a plain pyarrow
reader for tools and tests that want a whole table.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Collection, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from warden.engine.logs import LOG_SCHEMA

__all__ = [
    "ARCHIVE_SCHEMA",
    "PARQUET_OPTIONS",
    "day_rows",
    "drop_before",
    "part_name",
    "partitions",
    "query",
    "remove_rows",
    "write_chunk",
]

ARCHIVE_SCHEMA = (
    LOG_SCHEMA.append(pa.field("source_id", pa.string()))
    .append(pa.field("person_id", pa.string()))
    .append(pa.field("categories", pa.list_(pa.string())))
)
"""What each archived row holds: the parsed line, its source, the person it was attributed
to, and the categories its URL was classified into."""

PARTITIONING = ds.partitioning(
    pa.schema([pa.field("school", pa.string()), pa.field("date", pa.date32())]), flavor="hive"
)

# Columns with few distinct values a chunk. A school's client addresses and person ids
# number in the thousands whatever the chunk's size, so they are dictionary-encoded too:
# investigations filter on them, and DuckDB compares a dictionary once instead of every
# row (a person's month of history is found several times faster), while the files come
# out smaller and no slower to write. Should a chunk hold more distinct values than a
# dictionary page takes, pyarrow falls back to plain encoding by itself. Peers (upstream
# servers) are nearly as varied as the rows and stay plain.
_DICTIONARY_COLUMNS = [
    "client_ip",
    "person_id",
    "username",
    "method",
    "host",
    "action",
    "decision",
    "reason",
    "content_type",
    "log_category",
    "source_id",
    "categories",
]
_STATISTICS_COLUMNS = ["offset", "ts", "client_ip", "username", "host", "person_id"]

PARQUET_OPTIONS: dict[str, object] = {
    "compression": "zstd",
    "row_group_size": 1 << 20,
    # Dictionaries pay off for repetitive columns only; URLs and offsets are nearly unique.
    # Statistics are kept for the columns queries filter on. Together they make writing a
    # third faster and files smaller.
    "use_dictionary": _DICTIONARY_COLUMNS,
    "write_statistics": _STATISTICS_COLUMNS,
}
"""How :func:`write_chunk` writes each file (``pyarrow.parquet.write_table`` options)."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_DATE_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


def _check_slug(school: str) -> str:
    if not _SLUG.match(school):
        raise ValueError(f"school slug {school!r} must be lower-case letters, digits, - or _")
    return school


def part_name(source_id: str, chunk_index: int) -> str:
    return f"part-{source_id[:16]}-{chunk_index:06d}.parquet"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_chunk(
    root: Path,
    school: str,
    table: pa.Table,
    source_id: str,
    chunk_index: int,
    *,
    compression_level: int | None = None,
) -> list[Path]:
    """Archive one chunk's rows (:data:`ARCHIVE_SCHEMA`); returns the files written."""
    _check_slug(school)
    if table.num_rows == 0:
        return []
    table = table.select(ARCHIVE_SCHEMA.names).cast(ARCHIVE_SCHEMA)
    days = pc.cast(table.column("ts"), pa.date32())
    written = []
    name = part_name(source_id, chunk_index)
    distinct = pc.unique(days).to_pylist()
    for day in distinct:
        # A chunk nearly always lies within one day: no need to copy it then.
        rows = (
            table
            if len(distinct) == 1
            else table.filter(pc.equal(days, pa.scalar(day, pa.date32())))
        )
        directory = Path(root) / f"school={school}" / f"date={day.isoformat()}"
        directory.mkdir(parents=True, exist_ok=True)
        final = directory / name
        # A run killed while writing leaves its temporary file behind; the rewrite of the
        # same chunk is the moment to clear it.
        for stale in directory.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)
        # A leading dot keeps the temporary file out of every dataset reader.
        temporary = directory / f".{name}.{uuid.uuid4().hex}.tmp"
        try:
            with pa.OSFile(str(temporary), "wb") as sink:
                pq.write_table(rows, sink, compression_level=compression_level, **PARQUET_OPTIONS)
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_dir(directory)
        written.append(final)
    return written


def partitions(root: Path, school: str | None = None) -> list[tuple[str, dt.date, Path]]:
    """(school, day, directory) for every day partition under ``root``."""
    found = []
    base = Path(root)
    if not base.is_dir():
        return []
    for school_dir in sorted(base.glob("school=*")):
        slug = school_dir.name.split("=", 1)[1]
        if school is not None and slug != school:
            continue
        for day_dir in sorted(school_dir.iterdir()):
            match = _DATE_DIR.match(day_dir.name)
            if match and day_dir.is_dir():
                found.append((slug, dt.date.fromisoformat(match.group(1)), day_dir))
    return found


def drop_before(root: Path, before: dt.date, *, school: str | None = None) -> list[Path]:
    """Delete every day partition older than ``before`` (of one school, or all); returns the
    directories removed. Each is renamed aside first, so a reader sees a day whole or not
    at all."""
    removed = []
    for _, day, directory in partitions(root, school):
        if day >= before:
            continue
        doomed = directory.with_name(f".deleting-{directory.name}-{uuid.uuid4().hex}")
        os.replace(directory, doomed)
        shutil.rmtree(doomed)
        removed.append(directory)
    return removed


def _day_files(directory: Path) -> list[Path]:
    # Hidden files are temporary files of a write under way, never part of the day.
    return sorted(path for path in directory.glob("*.parquet") if not path.name.startswith("."))


def day_rows(directory: Path, *, person_ids: Collection[str] | None = None) -> int:
    """How many rows one day partition holds (of ``person_ids`` only, when given)."""
    total = 0
    for path in _day_files(directory):
        if person_ids is None:
            total += pq.ParquetFile(path).metadata.num_rows
        else:
            column = pq.ParquetFile(path).read(columns=["person_id"]).column("person_id")
            wanted = pa.array(sorted(person_ids), pa.string())
            total += pc.sum(pc.is_in(column, value_set=wanted)).as_py() or 0
    return total


def remove_rows(
    directory: Path,
    *,
    person_ids: Collection[str] | None = None,
    keep_person_ids: Collection[str] = (),
) -> int:
    """Remove rows from one day partition: those of ``person_ids`` (every row, when None),
    except those of ``keep_person_ids``; returns how many rows went. Delegates to
    :func:`warden.engine.investigate.remove_rows`, which finds the rows with DuckDB."""
    from warden.engine import investigate

    return investigate.remove_rows(
        directory, person_ids=person_ids, keep_person_ids=keep_person_ids
    )


def query(
    root: Path,
    *,
    school: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    username: str | None = None,
    client_ip: str | None = None,
    person_id: str | None = None,
    host_contains: str | None = None,
    columns: Sequence[str] | None = None,
) -> pa.Table:
    """Archived rows matching every filter given, oldest first. ``start`` and ``end`` are
    inclusive UTC days; ``host_contains`` matches part of the host name, ignoring case.
    The result has ``school`` and ``date`` columns besides :data:`ARCHIVE_SCHEMA`'s."""
    base = Path(root)
    full_schema = ARCHIVE_SCHEMA.append(pa.field("school", pa.string())).append(
        pa.field("date", pa.date32())
    )
    wanted = list(columns) if columns is not None else full_schema.names
    if not base.is_dir() or not any(base.glob("school=*/date=*/*.parquet")):
        return full_schema.empty_table().select(wanted)
    dataset = ds.dataset(str(base), format="parquet", partitioning=PARTITIONING, schema=full_schema)
    conditions: list[ds.Expression] = []
    if school is not None:
        conditions.append(ds.field("school") == _check_slug(school))
    if start is not None:
        conditions.append(ds.field("date") >= pa.scalar(start, pa.date32()))
    if end is not None:
        conditions.append(ds.field("date") <= pa.scalar(end, pa.date32()))
    if username is not None:
        conditions.append(ds.field("username") == username)
    if client_ip is not None:
        conditions.append(ds.field("client_ip") == client_ip)
    if person_id is not None:
        conditions.append(ds.field("person_id") == person_id)
    if host_contains is not None:
        conditions.append(
            pc.match_substring(ds.field("host"), host_contains.lower(), ignore_case=True)
        )
    expression = None
    for condition in conditions:
        expression = condition if expression is None else expression & condition
    table = dataset.to_table(columns=wanted, filter=expression)
    if "ts" in wanted and table.num_rows:
        sort_keys = [("ts", "ascending")] + (
            [("offset", "ascending")] if "offset" in wanted else []
        )
        table = table.sort_by(sort_keys)
    return table
