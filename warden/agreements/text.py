"""An agreement's text as paragraphs, headings and numbered points, for any screen width.

Schools write (and Warden's starters were once written) plain text hard-wrapped at about
90 characters. Shown as it is, that text breaks mid-sentence on a phone and runs past the
edge of it. These functions read the structure back out of the plain text, without
changing what is stored (the SHA-256 people sign is of the stored text):

- blank lines separate paragraphs; the lines of one paragraph are joined into one;
- a line starting ``1.``, ``2)``, ``-``, ``*`` or ``•`` starts a point of a list, and the
  indented lines after it continue that point;
- a short line without closing punctuation directly before a list is the list's heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER = re.compile(r"^\s*(?P<marker>\d{1,3}[.)]|[-*•])\s+(?P<rest>\S.*)$")
HEADING_MAX = 80


@dataclass
class Point:
    marker: str
    text: str

    @property
    def number(self) -> int | None:
        """The point's own number, so a list shows the numbers the text was written with."""
        digits = self.marker.rstrip(".)")
        return int(digits) if digits.isdigit() else None


@dataclass
class Block:
    """One paragraph (``kind="p"``), heading (``"h"``) or list (``"ol"``/``"ul"``)."""

    kind: str
    text: str = ""
    points: list[Point] = field(default_factory=list)


def _join(lines: list[str]) -> str:
    return " ".join(" ".join(line.split()) for line in lines)


def _is_heading(text: str) -> bool:
    return len(text) <= HEADING_MAX and not text.endswith((".", ":", ";", ",", "?", "!"))


def _chunks(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").strip("\n")
    return [chunk for chunk in re.split(r"\n[ \t]*\n", text) if chunk.strip()]


def _chunk_blocks(chunk: str) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    current: Block | None = None

    def flush(before_list: bool) -> None:
        if lines:
            text = _join(lines)
            heading = before_list and len(lines) == 1 and _is_heading(text)
            blocks.append(Block("h" if heading else "p", text))
            lines.clear()

    for line in chunk.split("\n"):
        if not line.strip():
            continue
        found = MARKER.match(line)
        if found:
            flush(before_list=True)
            kind = "ul" if found["marker"] in "-*•" else "ol"
            if current is None or current.kind != kind:
                current = Block(kind)
                blocks.append(current)
            current.points.append(Point(found["marker"], " ".join(found["rest"].split())))
        elif current is not None and line[:1].isspace():
            point = current.points[-1]
            point.text = f"{point.text} {' '.join(line.split())}"
        else:
            current = None
            lines.append(line)
    flush(before_list=False)
    return blocks


def text_blocks(text: str) -> list[Block]:
    """The blocks of ``text`` in order: paragraphs, headings and lists of points."""
    return [block for chunk in _chunks(text) for block in _chunk_blocks(chunk)]


def reflow(text: str) -> str:
    """``text`` with each paragraph and point on one line, for storing text unwrapped.

    The structure is kept as written: blank lines between paragraphs, a heading directly
    above its points, one point a line. ``text_blocks(reflow(t))`` equals
    ``text_blocks(t)``.
    """
    out: list[str] = []
    for chunk in _chunks(text):
        lines: list[str] = []
        for block in _chunk_blocks(chunk):
            if block.points:
                lines.extend(f"{point.marker} {point.text}" for point in block.points)
            else:
                lines.append(block.text)
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
