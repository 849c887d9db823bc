"""What publication puts on home pages: posts waiting for the social-media team, images to
remove for whoever manages the register, and the headteacher's figures."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.publication.selectors import open_removals, posts_waiting


def _counts_panel(title: str, count: int, noun: str, url: str) -> list[Panel]:
    if not count:
        return []
    return [
        Panel(
            title,
            "publication/_dashboard_count.html",
            {"count": count, "noun": noun if count == 1 else noun + "s", "url": url},
            order=40,
        )
    ]


def _posts_panel(request: HttpRequest, school: School) -> list[Panel]:
    return _counts_panel(
        "Posts to check",
        posts_waiting(school).count(),
        "post waiting",
        reverse("publication:post_list") + "?state=submitted",
    )


def _removals_panel(request: HttpRequest, school: School) -> list[Panel]:
    return _counts_panel(
        "Images to remove",
        open_removals(school).count(),
        "set due for removal",
        reverse("publication:purge"),
    )


HOME = [
    HomePanel(
        frozenset({Role.HEADTEACHER, Role.ICT_MANAGER}), _posts_panel, Perm.POSTS_APPROVE, 40
    ),
    HomePanel(
        frozenset({Role.ICT_MANAGER, Role.SIRO, Role.HEADTEACHER}),
        _removals_panel,
        Perm.MEDIA_MANAGE,
        40,
    ),
]


def _figures(request: HttpRequest, school: School) -> list[Figure]:
    due = open_removals(school).count()
    if not due:
        return []
    return [
        Figure(
            "Images",
            due,
            "set due for removal" if due == 1 else "sets due for removal",
            reverse("publication:purge"),
            overdue=True,
            order=70,
        )
    ]


FIGURES = [(Perm.MEDIA_MANAGE, _figures)]
