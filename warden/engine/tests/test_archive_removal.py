"""Retention's removals from one archive day: a person's rows, or every row but held ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from warden.engine.archive import (
    ARCHIVE_SCHEMA,
    day_rows,
    partitions,
    query,
    remove_rows,
    write_chunk,
)

DAY = dt.date(2025, 3, 4)


def _write(root, people: list[str | None], chunk: int = 0) -> None:
    ts = dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.UTC)
    rows: dict[str, list[Any]] = {name: [None] * len(people) for name in ARCHIVE_SCHEMA.names}
    rows.update(ts=[ts] * len(people), offset=list(range(len(people))), person_id=people)
    rows["line_no"] = list(range(len(people)))
    write_chunk(root, "oak", pa.Table.from_pydict(rows, schema=ARCHIVE_SCHEMA), "a" * 16, chunk)


def _day(root):
    (entry,) = partitions(root, "oak")
    return entry[2]


def test_one_persons_rows_go_and_the_rest_stay(tmp_path):
    _write(tmp_path, ["1", "2", "1", None])
    assert day_rows(_day(tmp_path)) == 4
    assert day_rows(_day(tmp_path), person_ids=["1"]) == 2
    assert remove_rows(_day(tmp_path), person_ids=["1"]) == 2
    assert query(tmp_path).column("person_id").to_pylist() == ["2", None]


def test_a_day_keeps_only_held_peoples_rows(tmp_path):
    _write(tmp_path, ["1", "2", None], chunk=0)
    _write(tmp_path, ["3"], chunk=1)
    assert remove_rows(_day(tmp_path), keep_person_ids=["2"]) == 3
    assert query(tmp_path).column("person_id").to_pylist() == ["2"]
    assert len(list(_day(tmp_path).glob("*.parquet"))) == 1  # the emptied file is gone


def test_a_day_with_nothing_held_is_removed_whole(tmp_path):
    _write(tmp_path, ["1", "2"])
    directory = _day(tmp_path)
    assert remove_rows(directory) == 2
    assert not directory.exists()
    assert partitions(tmp_path, "oak") == []
