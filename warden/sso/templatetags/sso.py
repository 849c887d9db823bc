"""``{% sso_buttons %}`` on the sign-in page: a button per enabled provider."""

from __future__ import annotations

from typing import Any

from django import template

from warden.core.redirects import safe_next
from warden.sso.models import Provider

register = template.Library()


@register.inclusion_tag("sso/buttons.html", takes_context=True)
def sso_buttons(context: Any) -> dict[str, Any]:
    providers = Provider.objects.filter(enabled=True).select_related("trust", "school")
    # The page to return to after signing in: only ever one of Warden's own.
    return {"sso_providers": list(providers), "next": safe_next(context.get("next"), "")}
