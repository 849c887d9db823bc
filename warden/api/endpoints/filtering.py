"""“Is this site blocked for this group, and why”: the engine's own decision."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, caller
from warden.api.schemas import FilterCheckOut
from warden.core.roles import Perm
from warden.monitoring.selectors.filtering_check import site_check

router = Router(tags=["Filtering"])


class CheckQuery(Schema):
    url: str
    group: str = ""
    user: str = ""
    client_ip: str = ""


@router.get("/check", response={200: FilterCheckOut, **REFUSALS}, operation_id="filter_check")
def check(request: HttpRequest, query: Query[CheckQuery]) -> dict[str, Any]:
    """What the published policy does with ``url`` for every group, or for ``group``, or for
    the group a ``user`` or ``client_ip`` falls in; each verdict names the rule that
    decided it (the page "Check a site" answers the same way)."""
    school = caller_school(caller(request), Perm.FILTERING_VIEW)
    result = site_check(
        school, query.url, group=query.group, user=query.user, client_ip=query.client_ip
    )
    return {
        "url": result.url,
        "site": result.site,
        "categories": result.categories,
        "blocked_anywhere": result.blocked_anywhere,
        "published_at": result.published_at,
        "error": result.error,
        "verdicts": [
            {
                "group": v.slug,
                "group_label": v.label,
                "action": v.action,
                "blocked": v.blocked,
                "rule": v.rule,
                "explanation": v.explanation,
                "category": v.category,
                "safe_search": v.safe_search,
                "expires_at": v.expires_at,
                "lists": v.lists,
            }
            for v in result.verdicts
        ],
    }
