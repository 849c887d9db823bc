from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from warden.engine import archive
from warden.engine.logs import parse_text

UTC = dt.UTC


def squid_line(when: dt.datetime, ip: str, user: str, url: str) -> str:
    return (
        f"{when.timestamp():.3f}     10 {ip} TCP_MISS/200 100 GET {url} {user} "
        "HIER_DIRECT/1.1.1.1 text/html"
    )


def chunk_table(lines: list[str], source: str = "s" * 64) -> pa.Table:
    from warden.engine.logs import parse_chunk

    table = parse_chunk("squid", ("\n".join(lines) + "\n").encode()).table
    size = table.num_rows
    return (
        table.append_column("source_id", pa.array([source] * size))
        .append_column("person_id", pa.array([f"p-{i}" for i in range(size)]))
        .append_column("categories", pa.array([["news"]] * size, pa.list_(pa.string())))
    )


DAY1 = dt.datetime(2024, 3, 14, 23, 59, tzinfo=UTC)
DAY2 = dt.datetime(2024, 3, 15, 0, 1, tzinfo=UTC)


def sample() -> pa.Table:
    return chunk_table(
        [
            squid_line(DAY1, "10.0.0.1", "alice", "https://www.bbc.co.uk/news"),
            squid_line(DAY2, "10.0.0.2", "-", "https://www.YouTube.com/watch?v=1"),
            squid_line(DAY2, "10.0.0.3", "bob", "https://maps.google.com/"),
        ]
    )


def test_a_chunk_is_written_per_school_and_utc_day(tmp_path: Path):
    written = archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 7)
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert names == [
        "school=north-high/date=2024-03-14/part-abababababababab-000007.parquet",
        "school=north-high/date=2024-03-15/part-abababababababab-000007.parquet",
    ]
    assert not list(tmp_path.rglob(".*"))


def test_archiving_the_same_chunk_again_replaces_it(tmp_path: Path):
    archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 0)
    archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 0)
    assert archive.query(tmp_path).num_rows == 3
    archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 1)
    assert archive.query(tmp_path).num_rows == 6


def test_history_can_be_queried_by_school_dates_person_and_host(tmp_path: Path):
    archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 0)
    archive.write_chunk(tmp_path, "south-primary", sample(), "cd" * 32, 0)
    north = archive.query(tmp_path, school="north-high")
    assert north.num_rows == 3
    assert set(north.column("school").to_pylist()) == {"north-high"}
    assert north.column("ts").to_pylist() == sorted(north.column("ts").to_pylist())
    day2 = archive.query(tmp_path, school="north-high", start=dt.date(2024, 3, 15))
    assert day2.column("host").to_pylist() == ["www.youtube.com", "maps.google.com"]
    assert archive.query(tmp_path, end=dt.date(2024, 3, 14)).num_rows == 2
    assert archive.query(tmp_path, username="bob").num_rows == 2
    assert archive.query(tmp_path, client_ip="10.0.0.2", school="south-primary").num_rows == 1
    assert archive.query(tmp_path, person_id="p-0").num_rows == 2
    youtube = archive.query(tmp_path, host_contains="YOUTUBE", columns=["url", "categories"])
    assert youtube.column_names == ["url", "categories"]
    assert youtube.column("categories").to_pylist() == [["news"], ["news"]]


def test_querying_an_empty_archive_gives_no_rows(tmp_path: Path):
    assert archive.query(tmp_path / "missing", school="north-high").num_rows == 0


def test_retention_drops_whole_days_before_a_date_and_says_which(tmp_path: Path):
    archive.write_chunk(tmp_path, "north-high", sample(), "ab" * 32, 0)
    archive.write_chunk(tmp_path, "south-primary", sample(), "cd" * 32, 0)
    removed = archive.drop_before(tmp_path, dt.date(2024, 3, 15), school="north-high")
    assert removed == [tmp_path / "school=north-high" / "date=2024-03-14"]
    assert archive.query(tmp_path, school="north-high").num_rows == 2
    assert archive.query(tmp_path, school="south-primary").num_rows == 3
    removed = archive.drop_before(tmp_path, dt.date(2024, 3, 16))
    assert len(removed) == 3
    assert archive.partitions(tmp_path) == []


def test_school_slugs_cannot_escape_the_archive(tmp_path: Path):
    with pytest.raises(ValueError):
        archive.write_chunk(tmp_path, "../etc", sample(), "ab" * 32, 0)


def test_parsed_lines_round_trip_through_the_archive(tmp_path: Path):
    records, _ = parse_text("squid", squid_line(DAY1, "10.0.0.1", "alice", "http://a.example/x"))
    table = chunk_table([squid_line(DAY1, "10.0.0.1", "alice", "http://a.example/x")])
    archive.write_chunk(tmp_path, "north-high", table, "ab" * 32, 0)
    [row] = archive.query(tmp_path).to_pylist()
    assert row["ts"] == records[0].ts
    assert (row["username"], row["url"], row["offset"]) == ("alice", "http://a.example/x", 0)
    assert row["date"] == dt.date(2024, 3, 14)
