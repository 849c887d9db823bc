"""What a page worked out for a user, kept until something may have changed.

Home pages and list filters ask the same questions many times a day of data that changes far
less often. :func:`reused` keeps an answer for the user who asked until a request that may
change something ends (any method but GET, HEAD or OPTIONS: ``core.middleware.last_change``),
or for ``REUSE_SECONDS``, for what changes without one (violations arriving, a filter helper's
check-in, a nightly job, the clock passing a deadline).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpRequest

from warden.core.middleware import last_change

T = TypeVar("T")

REUSE_SECONDS = 60
_MISSING = object()


def reused(request: HttpRequest, what: str, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave this same user for ``what`` (what is asked and of
    which schools) since the last change, within ``REUSE_SECONDS``. Kept per user, so an
    answer that depends on who asks (the triage queue leaves out the viewer's own
    violations) is never given to another."""
    key = f"reuse:{what}:{request.user.pk}:{last_change(request)}"
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(key, found, REUSE_SECONDS)
    return found
