"""``{{ pk|pk_url:"people:detail" }}``: the URL of one object's page, for lists of them.

``{% url 'people:detail' person_pk=p.pk %}`` resolves the pattern again for every row; a
list of fifty people with four accounts each spends more time there than in its query.
This filter reverses each URL name once (with a stand-in number, per URL configuration and
script prefix) and puts each row's key into it. For URL names taking a single number.
"""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

# A number no key takes in practice, found once in the reversed URL.
_STAND_IN = 2_147_483_646


@functools.lru_cache(maxsize=256)
def _parts(name: str, urlconf: str | None, prefix: str) -> tuple[str, str]:
    # A URL name that does not take one number raises NoReverseMatch here, as {% url %} does.
    head, _, tail = reverse(name, urlconf=urlconf, args=[_STAND_IN]).partition(str(_STAND_IN))
    return head, tail


@register.filter
def pk_url(pk: int, name: str) -> str:
    """The URL named ``name`` for the object whose key is ``pk``, as ``{% url %}`` gives it."""
    head, tail = _parts(name, get_urlconf(), get_script_prefix())
    return f"{head}{int(pk)}{tail}"
