"""Read a list's export back, as a spreadsheet would: for the export tests of every list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

HEADER_ROW = 3
"""Rows before the header: the title line, the filters line, a blank line."""


@dataclass(frozen=True)
class Sheet:
    title: str
    filters: str
    header: list[str]
    rows: list[list[Any]]

    def column(self, header: str) -> list[Any]:
        index = self.header.index(header)
        return [row[index] for row in self.rows]


def body(response: HttpResponseBase) -> bytes:
    """A response's bytes, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def read_csv(response: HttpResponseBase) -> Sheet:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff"), "a CSV export starts with the UTF-8 byte order mark"
    lines = list(csv.reader(io.StringIO(text[1:], newline="")))
    return Sheet(lines[0][0], lines[1][0], lines[HEADER_ROW], lines[HEADER_ROW + 1 :])


def read_xlsx(response: HttpResponseBase) -> Sheet:
    assert response.status_code == 200, response.status_code
    assert "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(body(response)))
    sheet = book.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [str(cell) for cell in values[HEADER_ROW]]
    assert sheet.cell(HEADER_ROW + 1, 1).font.b, "the header row is bold"
    rows = [[cell for cell in row][: len(header)] for row in values[HEADER_ROW + 1 :]]
    return Sheet(str(values[0][0]), str(values[1][0]), header, rows)


def both(
    client: Client, urls: tuple[str, str], params: dict[str, Any] | None = None
) -> list[Sheet]:
    """The CSV and the XLSX of one list with the same query string."""
    csv_url, xlsx_url = urls
    return [
        read_csv(client.get(csv_url, params or {})),
        read_xlsx(client.get(xlsx_url, params or {})),
    ]


def queries_for(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    """How many queries downloading ``url`` takes, the file read to its end (after one
    download first, so the session's first-visit work is not counted)."""
    body(client.get(url, params or {}))
    with CaptureQueriesContext(connection) as captured:
        body(client.get(url, params or {}))
    return len(captured)
