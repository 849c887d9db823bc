"""The one writer for every list Warden exports: the same columns and rows as CSV or XLSX.

Both formats show people's typed text as text, never as a formula:

- CSV passes every cell through :func:`warden.lib.csvsafe.safe_cell` (OWASP's rule for CSV
  injection) and starts with a UTF-8 byte order mark, without which Excel reads a name such
  as "Siân" as "SiÃ¢n". Rows are produced one at a time, so a long list streams.
- XLSX (XlsxWriter, ``constant_memory``: rows go to disk as they are written) turns off
  XlsxWriter's guessing (``strings_to_formulas``, ``strings_to_urls``,
  ``strings_to_numbers``) and still applies ``safe_cell``, so a file copied on as CSV from
  the spreadsheet stays safe too. Dates are real dates, numbers real numbers.

A file starts with a few lines saying what it is and which filters made it (so a printout
or a forwarded file says "Year 7 only"), a blank row, then a bold header row.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import xlsxwriter

from warden.lib.csvsafe import safe_cell, writer

T = TypeVar("T")

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Excel refuses these in a sheet's name and allows 31 characters.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column of an export: its header and how a row's value is read."""

    header: str
    value: Callable[[T], object]


def plain(value: object, tz: ZoneInfo | None = None) -> object:
    """A cell value as the file keeps it: aware times in the school's zone and naive (a
    spreadsheet has no zones), text for anything that is not a number, date or truth."""
    if value is None or isinstance(value, bool | int | float | Decimal | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz) if tz is not None else value
            value = value.replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return value
    return str(value)


def _csv_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()  # ISO dates: every spreadsheet reads them as dates
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


class _Line:
    """A file-like that keeps the last line ``csv.writer`` wrote, for streaming."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str, /) -> int:
        self.text = text
        return len(text)


def csv_lines(
    columns: Sequence[Column[T]],
    rows: Iterable[T],
    *,
    preamble: Sequence[str] = (),
    tz: ZoneInfo | None = None,
) -> Iterator[str]:
    """The CSV, a line at a time: byte order mark, ``preamble`` lines and a blank line
    (when there is a preamble), the header, then one line per row."""
    line = _Line()
    out = writer(line)
    yield "\ufeff"
    for text in preamble:
        out.writerow([text])
        yield line.text
    if preamble:
        out.writerow([])
        yield line.text
    out.writerow([column.header for column in columns])
    yield line.text
    for row in rows:
        out.writerow([_csv_text(plain(column.value(row), tz)) for column in columns])
        yield line.text


def csv_text(columns: Sequence[Column[T]], rows: Iterable[T], **options: Any) -> str:
    """The whole CSV as one string (for a file inside a zip or an e-mail)."""
    return "".join(csv_lines(columns, rows, **options))


def sheet_name(title: str) -> str:
    """``title`` as Excel accepts a sheet's name."""
    return _SHEET_UNSAFE.sub(" ", title).strip()[:31] or "Export"


def xlsx_write(
    out: IO[bytes],
    columns: Sequence[Column[T]],
    rows: Iterable[T],
    *,
    title: str,
    preamble: Sequence[str] = (),
    tz: ZoneInfo | None = None,
) -> int:
    """Write the workbook to ``out``; the number of rows written."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    date = workbook.add_format({"num_format": DATE_FORMAT})
    when = workbook.add_format({"num_format": DATETIME_FORMAT})
    sheet = workbook.add_worksheet(sheet_name(title))
    r = 0
    for text in preamble:
        sheet.write_string(r, 0, safe_cell(text))
        r += 1
    if preamble:
        r += 1
    for c, column in enumerate(columns):
        sheet.write_string(r, c, column.header, bold)
    sheet.freeze_panes(r + 1, 0)
    count = 0
    for row in rows:
        r += 1
        count += 1
        for c, column in enumerate(columns):
            value = plain(column.value(row), tz)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(r, c, float(value))
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date)
            else:
                sheet.write_string(r, c, safe_cell(value))
    workbook.close()
    return count


def xlsx_bytes(columns: Sequence[Column[T]], rows: Iterable[T], **options: Any) -> bytes:
    """The workbook as bytes (for tests and small files)."""
    buffer = io.BytesIO()
    xlsx_write(buffer, columns, rows, **options)
    return buffer.getvalue()
