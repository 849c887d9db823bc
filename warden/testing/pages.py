"""Checks on rendered pages shared by the page walks and the security tests."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)
# hx-on and hx-vars run code through eval; so do hx-vals starting "js:" or "javascript:".
HTMX_EVAL = re.compile(
    r"\shx-on[:-]|\shx-vars\s*=|\shx-vals\s*=\s*[\"']\s*(?:js|javascript):", re.IGNORECASE
)


def inline_code(html: str) -> list[str]:
    """What in a page a strict Content-Security-Policy would refuse to run or apply."""
    found = []
    for name, pattern in [
        ("inline script", INLINE_SCRIPT),
        ("inline event handler", EVENT_HANDLER),
        ("inline style", INLINE_STYLE),
        ("htmx code that needs eval", HTMX_EVAL),
    ]:
        found += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return found


def page_queries(client: Client, url: str) -> int:
    """How many database queries one GET of ``url`` costs once the client is warm (its first
    request also loads its session), for asserting a list page makes none per row."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured.captured_queries)
