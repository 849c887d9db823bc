"""The one CSV writer for every CSV Warden writes: spreadsheet formulas are neutralised.

A spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (``=HYPERLINK(...)`` leaks data, ``=cmd|...`` runs a program in old Excel), and a
leading tab or carriage return can hide one. Names, e-mail addresses and notes in Warden are
typed by people (and imported from an MIS), so any of them may start that way. OWASP's rule
(CSV injection): prefix such a cell with a single quote, which spreadsheets show as text.
The quote is visible in the raw file; that is the price of the file being safe to open.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> str:
    """``value`` as text a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class SafeWriter:
    """``csv.writer`` with every cell passed through :func:`safe_cell`."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, **options: Any) -> SafeWriter:
    """A CSV writer on ``out`` (a file, or an ``HttpResponse``) that neutralises formulas."""
    return SafeWriter(out, **options)


def internal_dict_writer(out: _Writable, fieldnames: list[str]) -> csv.DictWriter[str]:
    """A CSV writer whose cells are kept exactly, for text Warden writes only to read back
    itself at once (the API hands people to the MIS import as the file it reads), never
    offered for download: neutralising there would change the names imported."""
    return csv.DictWriter(out, fieldnames=fieldnames)
