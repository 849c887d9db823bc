"""Every table scrolls inside its own box on a phone, never the page.

A table wider than 390 px pushes the whole page sideways unless it sits in
``<div class="table-wrap">`` (warden.css gives that box its own horizontal scroll). Print
pages are left out: they are laid out for paper.
"""

from __future__ import annotations

import re
from pathlib import Path

WARDEN = Path(__file__).resolve().parent.parent / "warden"
# Laid out for paper only (a PDF), never read on a screen.
PRINT_ONLY = {"concern_print.html", "bundle_print.html"}
TABLE = re.compile(r"<table[\s>]")


def test_every_table_sits_in_a_scrolling_box() -> None:
    unwrapped: list[str] = []
    for template in sorted(WARDEN.glob("*/templates/**/*.html")):
        if template.name in PRINT_ONLY:
            continue
        text = template.read_text(encoding="utf-8")
        for match in TABLE.finditer(text):
            before = text[max(0, match.start() - 200) : match.start()]
            if 'class="table-wrap"' not in before:
                line = text.count("\n", 0, match.start()) + 1
                unwrapped.append(f"{template.relative_to(WARDEN)}:{line}")
    assert not unwrapped, "Tables outside a table-wrap box: " + ", ".join(unwrapped)
