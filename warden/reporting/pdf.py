"""The governors' report and the trust's report as PDF (WeasyPrint; DejaVu fonts from the
system, installed by scripts/ensure-test-deps): A4 pages numbered "page n of m" with the
school's name and the period in every page's margin, and the charts drawn from their SVG."""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string


def document(template: str, context: dict[str, Any]) -> Any:
    """The laid-out document (``weasyprint.Document``): its ``pages``, and ``write_pdf()``."""
    from weasyprint import HTML  # imported here: it loads Pango, which only exports need

    # WeasyPrint reports each step of its work; a command's output should say only the result.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    return HTML(string=render_to_string(template, {**context, "pdf": True})).render()


def pdf_bytes(template: str, context: dict[str, Any]) -> bytes:
    return bytes(document(template, context).write_pdf())
