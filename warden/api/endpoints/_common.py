"""What every router shares: the paging, the refusal shapes, the calling token."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import PageNumberPagination
from ninja.responses import codes_4xx

from warden.api.schemas import Message
from warden.core.access import AnyUser

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# The refusals any endpoint may answer with, documented in the schema.
REFUSALS: dict[Any, Any] = {codes_4xx: Message}


class Paged(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 500); the answer has ``items`` and ``count``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


def caller(request: HttpRequest) -> AnyUser:
    """The token (or, where an endpoint allows it, the signed-in user) making the call."""
    return request.auth  # type: ignore[attr-defined]


class Shaped:
    """A queryset the pager slices and counts, each row of the page shaped by ``shape``
    (so a list shows only the fields its readers may see, one query per page)."""

    def __init__(self, rows: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]) -> None:
        self.rows = rows
        self.shape = shape

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.shape(row) for row in self.rows[page]]

    def __len__(self) -> int:
        return self.rows.count()
