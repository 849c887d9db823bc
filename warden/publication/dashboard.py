"""What publication puts on home pages: posts waiting for the social-media team, images to
remove for whoever manages the register, and, in the headteacher's one-screen overview,
figures for both."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.publication.selectors import open_removals, posts_waiting

POSTS_WAITING = ("post waiting to be checked", "posts waiting to be checked")
SETS_DUE = ("set due for removal", "sets due for removal")


def _words(count: int, nouns: tuple[str, str]) -> str:
    return nouns[0] if count == 1 else nouns[1]


def _counts_panel(title: str, count: int, nouns: tuple[str, str], url: str) -> list[Panel]:
    if not count:
        return []
    return [
        Panel(
            title,
            "publication/_dashboard_count.html",
            {"count": count, "noun": _words(count, nouns), "url": url},
            order=40,
        )
    ]


def _posts_panel(request: HttpRequest, school: School) -> list[Panel]:
    return _counts_panel(
        "Posts to check",
        posts_waiting(school).count(),
        POSTS_WAITING,
        reverse("publication:post_list") + "?state=submitted",
    )


def _removals_panel(request: HttpRequest, school: School) -> list[Panel]:
    return _counts_panel(
        "Images to remove",
        open_removals(school).count(),
        SETS_DUE,
        reverse("publication:purge"),
    )


# The headteacher reads both as figures of the overview (FIGURES below).
HOME = [
    HomePanel(frozenset({Role.ICT_MANAGER}), _posts_panel, Perm.POSTS_APPROVE, 40),
    HomePanel(frozenset({Role.ICT_MANAGER, Role.SIRO}), _removals_panel, Perm.MEDIA_MANAGE, 40),
]


def _removal_figures(request: HttpRequest, school: School) -> list[Figure]:
    due = open_removals(school).count()
    if not due:
        return []
    url = reverse("publication:purge")
    return [Figure("Images", due, _words(due, SETS_DUE), url, overdue=True, order=70)]


def _post_figures(request: HttpRequest, school: School) -> list[Figure]:
    waiting = posts_waiting(school).count()
    if not waiting:
        return []
    url = reverse("publication:post_list") + "?state=submitted"
    return [Figure("Images", waiting, _words(waiting, POSTS_WAITING), url, order=71)]


FIGURES = [(Perm.MEDIA_MANAGE, _removal_figures), (Perm.POSTS_APPROVE, _post_figures)]
