"""Filters that put stored codes and times into the words people read.

``{% load warden_words %}``, then ``{{ when|ago }}`` ("just now", "5 minutes ago"),
``{{ slug|category_label }}`` (a filtering or keyword category by its name) and
``{{ entry.action|action_label }}`` (an audit action in words; a page that shows entries'
changes reads them through ``audit_display.describe``, as ``selectors.audit_history`` does).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from warden.core.audit_display import action_label as _action_label
from warden.engine.categories import BY_SLUG, CATEGORY_ALIASES

register = template.Library()


@register.filter
def ago(value: dt.datetime | None) -> str:
    """How long ago, in words; under a minute is "just now" (never "0 minutes ago")."""
    if value is None:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def category_label(value: str | None) -> str:
    """A category's name: the filtering category's label, else the code read as words."""
    if not value:
        return ""
    key = value.strip().lower()
    known = BY_SLUG.get(CATEGORY_ALIASES.get(key, key))
    if known is not None:
        return known.label
    words = key.replace("-", " ").replace("_", " ")
    return words[:1].upper() + words[1:]


@register.filter
def action_label(value: str) -> str:
    return _action_label(value)
