"""Tenancy the code enforces: every school-owned model's manager needs a declared scope.

A school-owned model declares ``objects = SchoolScoped()``. Its queries then need a scope:
- a request enters it once (``RequestContextMiddleware``): the schools the signed-in user
  works at, or none at all for someone not signed in, so a forgotten ``filter(school=...)``
  can at worst show another of the user's own schools, never someone else's;
- a page reached by a secret link (signing, loan acceptance, the block page, the password
  check) finds its row with :func:`all_schools` and then works inside that row's school
  with :func:`school_scope`;
- the ``warden`` commands and background tasks run for every school (:func:`all_schools`).
A query with no scope at all raises ``django_scopes.ScopeError`` instead of reading every
school's rows. Identity and the audit trail (users, schools, memberships, audit entries)
are not school-owned in this sense: they are read through the access helpers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import models
from django.http import HttpRequest, HttpResponse
from django_scopes import ScopeError, get_scope, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet

__all__ = [
    "SchoolScoped",
    "ScopeError",
    "all_schools",
    "reached_by_secret",
    "school_scope",
]

DIMENSION = "school"
_M = TypeVar("_M", bound=models.Model)


class SchoolScoped(models.Manager[_M]):
    """The default manager of a school-owned model: its queries need a declared scope and
    see only the scope's schools. With a queryset of the model's own:
    ``SchoolScoped.from_queryset(PersonQuerySet)()``.

    ``path`` is the lookup from the model to its school. A model reached through its parent
    declares a subclass naming it (``class ThroughStocktake(SchoolScoped[Any]): path =
    "stocktake__school"``): a class attribute, because Django builds related managers
    (``stocktake.lines``) from the manager's class, not from the instance.
    """

    path = DIMENSION

    def get_queryset(self) -> models.QuerySet[_M]:
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        if DIMENSION not in current:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes={DIMENSION})
        value = current[DIMENSION]
        queryset = super().get_queryset()
        if isinstance(value, list | tuple):
            return queryset.filter(**{f"{self.path}__in": value})
        if value is not None:
            return queryset.filter(**{self.path: value})
        return queryset

    def all(self) -> models.QuerySet[_M]:
        # Django's all() returns get_queryset() itself; the disabled one must raise there.
        queryset = super().all()
        return queryset.all() if isinstance(queryset, DisabledQuerySet) else queryset


@contextmanager
def school_scope(schools: Iterable[int] | int | None) -> Iterator[None]:
    """Queries of school-owned models inside see only these schools (ids)."""
    ids = [schools] if isinstance(schools, int) else sorted(set(schools or ()))
    with scope(**{DIMENSION: ids}):
        yield


@contextmanager
def all_schools() -> Iterator[None]:
    """Declared access to every school: commands, tasks, and finding a row by its secret."""
    with scopes_disabled():
        yield


def reached_by_secret(
    find_school: Callable[..., int | None],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a page someone reaches without signing in, by a secret in its address (a signing
    link, a loan link, a school's block page, an API token): ``find_school(request, *args,
    **kwargs)`` names the one school the secret belongs to, looked up across all schools;
    the page then runs inside that school's scope, or inside none when there is no such
    school (and refuses as it always did)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with all_schools():
                school_id = find_school(request, *args, **kwargs)
            with school_scope([] if school_id is None else school_id):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator
