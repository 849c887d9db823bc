"""Investigations over the log archive, read with DuckDB.

The archive (:mod:`warden.engine.archive`) keeps every ingested line as Parquet under
``<root>/school=<slug>/date=YYYY-MM-DD/``. The questions an investigation asks of it are
answered here:

- :func:`history`: one person's requests (attributed to them, or made under one of their
  usernames) over a range of days, filtered by host or URL, a page at a time with the
  total, oldest or newest first: the staff-monitoring search under an authorisation;
- :func:`device_context`: every request one device (client address) or person made in the
  minutes around a moment: the violation's context;
- :func:`day_counts`: rows per day, of everyone or per person: retention and subject
  access;
- :func:`remove_rows`: retention's removal of some people's rows from one day.

How it reads: each call opens its own in-memory DuckDB connection (threads and memory
limited by :data:`THREADS` and :data:`MEMORY_LIMIT`), lists the school's day directories
within the date range itself and hands DuckDB only those files, so no other school's or
day's file is ever opened; DuckDB reads only the columns a query names. Every value from a
user (names, addresses, host and URL fragments, dates) is a bound parameter, never part of
the SQL text; the ``LIKE`` patterns have ``%``, ``_`` and ``\\`` escaped, so a fragment
matches literally.

How it writes: :func:`remove_rows` finds and filters the rows with DuckDB, and writes the
kept rows with pyarrow under :data:`warden.engine.archive.PARQUET_OPTIONS`. DuckDB's
``COPY ... (FORMAT parquet)`` offers zstd and the row-group size, but neither per-column
dictionary encoding nor per-column statistics, so a file it rewrote would differ from the
files ingestion writes; pyarrow keeps them alike. Each file is written to a hidden
temporary file, fsynced and renamed over the old one, as :func:`archive.write_chunk` does.

This module knows nothing of Django: callers check who may ask and audit the asking.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from warden.engine import archive

__all__ = [
    "CONTEXT_COLUMNS",
    "HISTORY_COLUMNS",
    "ResultPage",
    "day_counts",
    "device_context",
    "history",
    "like_pattern",
    "person_day_counts",
    "remove_rows",
]

THREADS = max(1, min(4, os.cpu_count() or 1))
"""DuckDB threads a call may use: enough to read a month in parallel, not the whole host."""

MEMORY_LIMIT = "1GB"
"""What one call's DuckDB may hold in memory (it spills or fails beyond it)."""

HISTORY_COLUMNS = (
    "ts",
    "client_ip",
    "username",
    "method",
    "url",
    "host",
    "status",
    "decision",
    "categories",
    "source_id",
    "offset",
)
CONTEXT_COLUMNS = (
    "ts",
    "client_ip",
    "username",
    "person_id",
    "method",
    "url",
    "host",
    "status",
    "action",
    "decision",
    "categories",
    "source_id",
    "offset",
)
_ALL = frozenset(archive.ARCHIVE_SCHEMA.names) | {"date"}
_ORDER = {"oldest": "ASC", "newest": "DESC"}


@dataclass
class ResultPage:
    """One page of matching rows (dictionaries of the columns asked for) and how many rows
    matched in all."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0


def like_pattern(fragment: str) -> str:
    """A ``LIKE ... ESCAPE '\\'`` pattern matching ``fragment`` anywhere, literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(
        ":memory:",
        config={
            "threads": THREADS,
            "memory_limit": MEMORY_LIMIT,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def _days(
    root: Path, school: str, start: dt.date | None, end: dt.date | None
) -> list[tuple[dt.date, Path]]:
    """The school's day directories from ``start`` to ``end`` (inclusive, either open)."""
    return [
        (day, directory)
        for _, day, directory in archive.partitions(Path(root), archive._check_slug(school))
        if (start is None or day >= start) and (end is None or day <= end)
    ]


def _files(days: Iterable[tuple[dt.date, Path]]) -> list[str]:
    return [str(path) for _, directory in days for path in archive._day_files(directory)]


def _source(hive: bool = True) -> str:
    # The file list is a bound parameter; ``date`` comes from the directory name.
    if hive:
        return (
            "read_parquet($files, hive_partitioning = true, "
            "hive_types = {'school': 'VARCHAR', 'date': 'DATE'})"
        )
    return "read_parquet($files, hive_partitioning = false)"


def _columns(columns: Sequence[str]) -> str:
    unknown = set(columns) - _ALL
    if unknown:
        raise ValueError(f"not archive columns: {sorted(unknown)}")
    return ", ".join(f'"{name}"' for name in columns)


# The SQL below is put together only from this module's own text and column names checked
# against the archive's schema (hence the S608 exemptions); values are bound parameters.


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> pa.Table:
    return connection.sql(sql, params=params).to_arrow_table()


def _in(column: str, values: Collection[str], name: str, params: dict[str, Any]) -> str:
    """``column IN ($name0, $name1, ...)``, the values bound: a plain ``IN`` list is what
    DuckDB pushes into the Parquet scan."""
    names = []
    for index, value in enumerate(sorted(set(values))):
        params[f"{name}{index}"] = value
        names.append(f"${name}{index}")
    return f"{column} IN ({', '.join(names)})"


def _who(
    person_ids: Collection[str], usernames: Collection[str], params: dict[str, Any]
) -> list[str]:
    """The ways a row can be the person's ("attributed to one of these people", "made under
    one of these names"), each excluding the rows an earlier one already takes, so that
    together they find each row once."""
    branches: list[str] = []
    for column, values, name in (
        ("person_id", person_ids, "person"),
        ("username", usernames, "username"),
    ):
        if values:
            taken = [f"NOT coalesce({branch}, false)" for branch in branches]
            branches.append(_in(column, values, name, params))
            if taken:
                branches[-1] = " AND ".join([branches[-1], *taken])
    return branches


def history(
    root: Path,
    school: str,
    *,
    person_ids: Collection[str] = (),
    usernames: Collection[str] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    host_contains: str = "",
    url_contains: str = "",
    limit: int = 50,
    offset: int = 0,
    order: str = "oldest",
    columns: Sequence[str] = HISTORY_COLUMNS,
) -> ResultPage:
    """A page of the requests attributed to ``person_ids`` or made under ``usernames`` at
    ``school`` from ``start`` to ``end`` (UTC days, inclusive), with the total that match.

    ``host_contains`` and ``url_contains`` match part of the host or URL, ignoring case.
    ``order`` is ``"oldest"`` or ``"newest"`` first (by time, then position in the log).
    Each archived line appears once, however many of the ways of naming the person it
    matches. With neither people nor usernames, nothing matches.
    """
    if order not in _ORDER:
        raise ValueError("order is 'oldest' or 'newest'")
    if not person_ids and not usernames:
        return ResultPage()
    files = _files(_days(root, school, start, end))
    if not files:
        return ResultPage()
    params: dict[str, Any] = {"files": files}
    branches = _who(person_ids, usernames, params)
    conditions = []
    if host_contains:
        # Ingestion keeps host names in lower case: a plain substring test does.
        params["host"] = host_contains.lower()
        conditions.append("contains(host, $host)")
    if url_contains:
        params["url"] = like_pattern(url_contains)
        conditions.append("url ILIKE $url ESCAPE '\\'")
    return _page(
        columns,
        [" AND ".join([branch, *conditions]) for branch in branches],
        f'ts {_ORDER[order]}, source_id {_ORDER[order]}, "offset" {_ORDER[order]}',
        params,
        limit,
        offset,
    )


def _page(
    columns: Sequence[str],
    branches: Sequence[str],
    order_by: str,
    params: dict[str, Any],
    limit: int,
    offset: int = 0,
) -> ResultPage:
    """The total of rows matching any of ``branches`` (disjoint conditions), and one page
    of them in ``order_by``.

    Two queries, shaped for DuckDB's Parquet reader, one scan per branch in each so that
    the branch's condition is pushed into the scan: the count adds the branches' counts
    and reads only the filtered columns; the page is a ``UNION ALL`` under ``ORDER BY ...
    LIMIT``, for which DuckDB reads the wide columns (URLs) of the page's rows only. One
    ``OR`` over two columns, or a window count, would make it decode every URL of the
    month (several times slower on a month of a large school).
    """
    with _connect() as connection:
        counts = " + ".join(
            f"(SELECT count(*) FROM {_source()} WHERE {branch})"  # noqa: S608
            for branch in branches
        )
        ((total,),) = _fetch(connection, f"SELECT {counts}", params)
        if not total or offset >= total or limit <= 0:
            return ResultPage(total=int(total))
        # The order's own columns are read too, and dropped after.
        missing = [name for name in ("ts", "source_id", "offset") if name not in columns]
        union = " UNION ALL ".join(
            f"SELECT {_columns([*columns, *missing])} FROM {_source()} WHERE {branch}"  # noqa: S608
            for branch in branches
        )
        table = _rows(
            connection,
            f"SELECT * FROM ({union}) ORDER BY {order_by} LIMIT $limit OFFSET $offset",  # noqa: S608
            {**params, "limit": int(limit), "offset": max(0, int(offset))},
        )
    return ResultPage(rows=table.drop_columns(missing).to_pylist(), total=int(total))


def device_context(
    root: Path,
    school: str,
    moment: dt.datetime,
    *,
    client_ip: str | None = None,
    person_id: str | None = None,
    minutes: int = 10,
    limit: int = 1000,
    columns: Sequence[str] = CONTEXT_COLUMNS,
) -> ResultPage:
    """Every request from ``client_ip`` or attributed to ``person_id`` at ``school`` within
    ``minutes`` either side of ``moment`` (both ends included), in the order they were
    made; at most ``limit`` rows, with the total in the window."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    if not client_ip and not person_id:
        return ResultPage()
    span = dt.timedelta(minutes=minutes)
    since, until = moment - span, moment + span
    days = _days(root, school, since.astimezone(dt.UTC).date(), until.astimezone(dt.UTC).date())
    files = _files(days)
    if not files:
        return ResultPage()
    params: dict[str, Any] = {"files": files, "since": since, "until": until}
    devices = []
    if client_ip:
        params["ip"] = client_ip
        devices.append("client_ip = $ip")
    if person_id:
        params["person"] = person_id
        devices.append("person_id = $person")
    return _page(
        columns,
        [f"ts BETWEEN $since AND $until AND ({' OR '.join(devices)})"],
        'ts, source_id, "offset"',
        params,
        limit,
    )


def day_counts(
    root: Path,
    school: str,
    *,
    person_ids: Collection[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[dt.date, int]:
    """Rows per day at ``school`` from ``start`` to ``end`` (inclusive): every row, or only
    those attributed to ``person_ids``. Days with none are left out."""
    if person_ids is None:
        return {day: rows for (day, _), rows in _counts(root, school, None, start, end).items()}
    totals: dict[dt.date, int] = {}
    for (day, _), rows in _counts(root, school, person_ids, start, end).items():
        totals[day] = totals.get(day, 0) + rows
    return totals


def person_day_counts(
    root: Path,
    school: str,
    person_ids: Collection[str],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[tuple[dt.date, str], int]:
    """Rows per (day, person) at ``school`` for each of ``person_ids`` that has any."""
    found = _counts(root, school, person_ids, start, end)
    return {(day, person): rows for (day, person), rows in found.items() if person is not None}


def _counts(
    root: Path,
    school: str,
    person_ids: Collection[str] | None,
    start: dt.date | None,
    end: dt.date | None,
) -> dict[tuple[dt.date, str | None], int]:
    if person_ids is not None and not person_ids:
        return {}
    files = _files(_days(root, school, start, end))
    if not files:
        return {}
    params: dict[str, Any] = {"files": files}
    if person_ids is None:
        sql = f'SELECT "date", NULL, count(*) FROM {_source()} GROUP BY ALL'  # noqa: S608
    else:
        sql = (
            f'SELECT "date", person_id, count(*) FROM {_source()} '  # noqa: S608
            f"WHERE {_in('person_id', person_ids, 'person', params)} GROUP BY ALL"
        )
    with _connect() as connection:
        return {(day, person): int(rows) for day, person, rows in _fetch(connection, sql, params)}


def _fetch(
    connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, params).fetchall()


def remove_rows(
    directory: Path,
    *,
    person_ids: Collection[str] | None = None,
    keep_person_ids: Collection[str] = (),
) -> int:
    """Remove rows from one day partition: those of ``person_ids`` (every row, when None),
    except those of ``keep_person_ids``. A changed file is rewritten without them (hidden
    temporary file, fsync, rename over it), a file left empty is deleted, and a day left
    empty is removed; returns how many rows went."""
    directory = Path(directory)
    files = archive._day_files(directory)
    if person_ids is None and not keep_person_ids:
        removed = _total_rows([str(path) for path in files])
        doomed = directory.with_name(f".deleting-{directory.name}-{uuid.uuid4().hex}")
        os.replace(directory, doomed)
        shutil.rmtree(doomed)
        return removed
    params: dict[str, Any] = {"keep": sorted(set(keep_person_ids))}
    going = "NOT coalesce(list_contains($keep, person_id), false)"
    if person_ids is not None:
        params["doomed"] = sorted(set(person_ids))
        going += " AND coalesce(list_contains($doomed, person_id), false)"
    names = _columns(archive.ARCHIVE_SCHEMA.names)
    removed = 0
    with _connect() as connection:
        for path in files:
            bound = {**params, "files": [str(path)]}
            ((count, rows),) = _fetch(
                connection,
                f"SELECT count(*) FILTER (WHERE {going}), count(*) FROM {_source(hive=False)}",  # noqa: S608
                bound,
            )
            if not count:
                continue
            removed += count
            if count == rows:
                path.unlink()
                continue
            kept = _rows(
                connection,
                f"SELECT {names} FROM {_source(hive=False)} WHERE NOT ({going})",  # noqa: S608
                bound,
            )
            _rewrite(path, kept.cast(archive.ARCHIVE_SCHEMA))
    if not archive._day_files(directory):
        shutil.rmtree(directory)
    else:
        archive._fsync_dir(directory)
    return removed


def _total_rows(files: list[str]) -> int:
    return sum(pq.ParquetFile(path).metadata.num_rows for path in files)


def _rewrite(path: Path, table: pa.Table) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with pa.OSFile(str(temporary), "wb") as sink:
            pq.write_table(table, sink, **archive.PARQUET_OPTIONS)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
