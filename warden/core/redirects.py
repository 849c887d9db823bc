"""The one check every redirect target taken from a request goes through.

A ``next`` parameter (after sign-in, the second factor, sign-out, or a button that returns
to the list it was pressed on) may only send the browser to a page of Warden itself: a
path starting with one ``/``, without a scheme or host, without backslashes or control
characters (browsers read ``/\\evil.example`` as ``//evil.example``), and any ``next``
inside it is checked the same way, so a chain of pages cannot hand the user on to another
site. Anything else falls back to the page the caller names.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

# Deeper chains than this are not something Warden builds; refuse rather than recurse.
_MAX_NESTING = 3
_MAX_LENGTH = 2000


def is_safe_next(value: str | None, *, _depth: int = 0) -> bool:
    """True when ``value`` is a path on this site, and so is every ``next`` it carries."""
    if not value or len(value) > _MAX_LENGTH or _depth > _MAX_NESTING:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in value) or "\\" in value:
        return False
    if not value.startswith("/") or value.startswith("//"):
        return False
    # Django's own check, with no host allowed: only a relative path passes. (A single
    # leading slash already means no scheme and no host; this is the second opinion.)
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return False
    for key, nested in parse_qsl(urlsplit(value).query, keep_blank_values=True):
        if key == "next" and not is_safe_next(nested, _depth=_depth + 1):
            return False
    # An encoded form (%2F%2F, %3Fnext%3D...) must be as safe once decoded.
    decoded = unquote(value)
    return decoded == value or is_safe_next(decoded, _depth=_depth + 1)


def safe_next(value: str | None, default: str) -> str:
    """``value`` when ``is_safe_next`` allows it, else ``default`` (a URL or a view name)."""
    return value if value is not None and is_safe_next(value) else default
