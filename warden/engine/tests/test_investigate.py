"""Investigations read the archive with DuckDB: one person's history, one device's minutes
around a moment, counts by day, and retention's removals; only the school's own days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warden.engine import archive, investigate

DAY = dt.date(2025, 3, 4)
NINE = dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.UTC)


def _write(
    root: Path,
    rows: list[dict[str, Any]],
    *,
    school: str = "oak",
    chunk: int = 0,
) -> None:
    """Archive rows (``ts``, ``client_ip``, ``username``, ``person_id``, ``host``, ``url``)
    as ingestion does: one chunk, written by :func:`archive.write_chunk`."""
    columns: dict[str, list[Any]] = {
        name: [None] * len(rows) for name in archive.ARCHIVE_SCHEMA.names
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            columns[name][index] = value
        columns["offset"][index] = index * 100
        columns["line_no"][index] = index + 1
        columns["source_id"][index] = "s" * 16
        columns["categories"][index] = row.get("categories", [])
        columns["decision"][index] = row.get("decision", "allowed")
    table = pa.Table.from_pydict(columns, schema=archive.ARCHIVE_SCHEMA)
    archive.write_chunk(root, school, table, "s" * 64, chunk)


def _row(
    minutes: float,
    ip: str,
    host: str,
    *,
    person: str | None = None,
    user: str | None = None,
    path: str = "/",
) -> dict[str, Any]:
    return {
        "ts": NINE + dt.timedelta(minutes=minutes),
        "client_ip": ip,
        "username": user,
        "person_id": person,
        "host": host,
        "url": f"https://{host}{path}",
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _write(
        tmp_path,
        [
            _row(0, "10.0.0.5", "www.example.org", person="7", user="sam"),
            _row(1, "10.0.0.5", "shop.example.com", person="7", user="sam", path="/100%_off"),
            _row(2, "10.0.0.5", "shop.example.com", user="sam", path="/basket"),
            _row(3, "10.0.0.9", "shop.example.com", person="8", user="kim"),
            _row(30, "10.0.0.5", "late.example.net", person="7", user="sam"),
        ],
    )
    _write(
        tmp_path,
        [_row(24 * 60, "10.0.0.5", "news.example.net", person="7", user="sam")],
        chunk=1,
    )
    # Another school's rows for the same person id, address and username: never shown.
    _write(
        tmp_path,
        [_row(1, "10.0.0.5", "elsewhere.example.org", person="7", user="sam")],
        school="elm",
    )
    return tmp_path


def _hosts(page: investigate.ResultPage) -> list[str]:
    return [row["host"] for row in page.rows]


def test_history_finds_a_persons_rows_by_id_or_username_once_each(root):
    page = investigate.history(root, "oak", person_ids=["7"], usernames=["sam"])
    assert page.total == 5
    assert _hosts(page) == [
        "www.example.org",
        "shop.example.com",
        "shop.example.com",
        "late.example.net",
        "news.example.net",
    ]
    assert investigate.history(root, "oak", person_ids=["7"]).total == 4
    assert "elsewhere.example.org" not in _hosts(investigate.history(root, "elm", person_ids=["8"]))
    assert investigate.history(root, "oak").total == 0


def test_history_filters_by_days_host_and_url_and_pages_newest_first(root):
    one_day = investigate.history(root, "oak", person_ids=["7"], start=DAY, end=DAY)
    assert one_day.total == 3
    shop = investigate.history(root, "oak", usernames=["sam"], host_contains="SHOP.example")
    assert shop.total == 2
    # LIKE wildcards in a fragment match themselves only.
    assert investigate.history(root, "oak", usernames=["sam"], url_contains="100%_off").total == 1
    assert investigate.history(root, "oak", usernames=["sam"], url_contains="100__off").total == 0
    assert investigate.history(root, "oak", usernames=["sam"], host_contains="%").total == 0
    newest = investigate.history(root, "oak", usernames=["sam"], order="newest", limit=2)
    assert (newest.total, _hosts(newest)) == (5, ["news.example.net", "late.example.net"])
    second = investigate.history(root, "oak", usernames=["sam"], limit=2, offset=2)
    assert _hosts(second) == ["shop.example.com", "late.example.net"]
    past = investigate.history(root, "oak", usernames=["sam"], limit=2, offset=10)
    assert (past.total, past.rows) == (5, [])
    with pytest.raises(ValueError):
        investigate.history(root, "oak", usernames=["sam"], order="sideways")
    with pytest.raises(ValueError):
        investigate.history(root, "oak", usernames=["sam"], columns=["ts; DROP"])


def test_a_school_slug_cannot_reach_outside_its_partitions(root):
    with pytest.raises(ValueError):
        investigate.history(root, "../oak", usernames=["sam"])


def test_device_context_is_every_request_of_the_address_or_person_in_the_window(root):
    moment = NINE + dt.timedelta(minutes=1)
    by_ip = investigate.device_context(root, "oak", moment, client_ip="10.0.0.5", minutes=10)
    assert [row["ts"] for row in by_ip.rows] == [NINE + dt.timedelta(minutes=m) for m in (0, 1, 2)]
    assert by_ip.total == 3
    by_person = investigate.device_context(root, "oak", moment, person_id="8", minutes=10)
    assert _hosts(by_person) == ["shop.example.com"]
    # The ends of the window are included; a minute less leaves the edge out.
    edge = investigate.device_context(
        root, "oak", NINE + dt.timedelta(minutes=20), client_ip="10.0.0.5", minutes=10
    )
    assert _hosts(edge) == ["late.example.net"]
    assert (
        investigate.device_context(
            root, "oak", NINE + dt.timedelta(minutes=19), client_ip="10.0.0.5", minutes=10
        ).total
        == 0
    )
    assert investigate.device_context(root, "elm", moment, client_ip="10.0.0.5").total == 1
    assert investigate.device_context(root, "oak", moment).total == 0
    with pytest.raises(ValueError):
        investigate.device_context(root, "oak", moment.replace(tzinfo=None), client_ip="10.0.0.5")


def test_the_window_crosses_midnight(tmp_path):
    midnight = dt.datetime.combine(DAY, dt.time(0), tzinfo=dt.UTC)
    _write(tmp_path, [_row(-9 * 60 - 5, "10.0.0.5", "before.example")], chunk=0)
    _write(tmp_path, [_row(-9 * 60 + 3, "10.0.0.5", "after.example")], chunk=1)
    context = investigate.device_context(tmp_path, "oak", midnight, client_ip="10.0.0.5")
    assert _hosts(context) == ["before.example", "after.example"]


def test_counts_by_day_and_by_person(root):
    assert investigate.day_counts(root, "oak") == {DAY: 5, DAY + dt.timedelta(days=1): 1}
    assert investigate.day_counts(root, "oak", person_ids=["7"], end=DAY) == {DAY: 3}
    assert investigate.person_day_counts(root, "oak", ["7", "8", "9"]) == {
        (DAY, "7"): 3,
        (DAY, "8"): 1,
        (DAY + dt.timedelta(days=1), "7"): 1,
    }
    assert investigate.day_counts(root, "oak", person_ids=[]) == {}
    assert investigate.day_counts(tmp_path_missing := root / "none", "oak") == {}
    assert not tmp_path_missing.exists()


def test_removal_rewrites_a_day_in_the_archives_format(root):
    (_, _, directory), _ = archive.partitions(root, "oak")
    (path,) = archive._day_files(directory)
    before = pq.ParquetFile(path).metadata
    assert investigate.remove_rows(directory, person_ids=["7"]) == 3
    assert investigate.history(root, "oak", person_ids=["7"], end=DAY).total == 0
    assert investigate.day_counts(root, "oak", end=DAY) == {DAY: 2}
    after = pq.ParquetFile(path)
    assert after.schema_arrow == archive.ARCHIVE_SCHEMA
    assert (
        after.metadata.row_group(0).column(0).compression
        == before.row_group(0).column(0).compression
        == "ZSTD"
    )
    assert not list(directory.glob(".*"))  # no temporary file left behind
    # Every row but held people's goes; an emptied day goes whole.
    assert investigate.remove_rows(directory, keep_person_ids=["8"]) == 1
    assert investigate.day_counts(root, "oak", end=DAY) == {DAY: 1}
    assert investigate.remove_rows(directory, keep_person_ids=["99"]) == 1
    assert not directory.exists()
