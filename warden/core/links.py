"""Links that leave Warden: e-mails sent by the worker, the block page the filter redirects to.

There is no request to take the host from, so ``settings.WARDEN_BASE_URL`` says how people's
browsers reach Warden.
"""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) as a full address people can open from outside."""
    return f"{settings.WARDEN_BASE_URL.rstrip('/')}{path}"
