"""Every named URL pattern of the project, for tests that walk them all."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _patterns(entry, namespace)
        elif entry.name:
            yield f"{prefix}{entry.name}", entry


def all_url_patterns() -> list[tuple[str, URLPattern]]:
    """``(namespaced name, pattern)`` for every named URL, sorted by name."""
    return sorted(_patterns(get_resolver()), key=lambda item: item[0])
