"""Reading a laid-out PDF's words back, for tests: page text and the charts' SVG text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node:
        yield from _walk(child)


def words(document: Any) -> tuple[str, list[str]]:
    """Every page's text joined, and the text of each chart drawn in the document."""
    text, charts = [], []
    for page in document.pages:
        for box in page._page_box.descendants():
            if getattr(box, "text", None):
                text.append(box.text)
            replacement = getattr(box, "replacement", None)
            if replacement is not None and hasattr(replacement, "_svg"):
                charts.append(" ".join(n.text for n in _walk(replacement._svg.tree) if n.text))
    return " ".join(text), charts
