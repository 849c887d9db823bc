"""Where each person stands with their acceptable-use agreement."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from warden.agreements.models import StoredStanding
from warden.agreements.selectors import stored_standings
from warden.api.auth import caller_school
from warden.api.endpoints._common import REFUSALS, Paged, Shaped, caller
from warden.api.schemas import StandingOut
from warden.core.roles import Perm

router = Router(tags=["Agreements"])


def standing_out(row: StoredStanding) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "person": str(row.person),
        "audience": row.audience,
        "agreement_id": row.agreement_id,
        "status": row.status,  # type: ignore[attr-defined]
        "reason": row.now_reason,  # type: ignore[attr-defined]
        "due_since": row.now_due_since,  # type: ignore[attr-defined]
        "grace_ends": row.now_grace_ends,  # type: ignore[attr-defined]
        "next_renewal": row.next_renewal,
    }


class StandingQuery(Schema):
    status: str = ""


@router.get(
    "/standings", response={200: list[StandingOut], **REFUSALS}, operation_id="standings_list"
)
@paginate(Paged)
def list_standings(request: HttpRequest, filters: Query[StandingQuery]) -> Shaped:
    """Everyone at the school who is here or about to be, with their standing now
    (current, countersign, due, unavailable, or past_grace)."""
    school = caller_school(caller(request), Perm.AGREEMENTS_VIEW)
    rows = stored_standings(school).select_related("person")
    if filters.status:
        rows = rows.filter(status=filters.status)  # type: ignore[misc]  # annotated by at()
    return Shaped(rows.order_by("person__last_name", "person__first_name", "pk"), standing_out)


@router.get(
    "/standings/{int:person_pk}",
    response={200: StandingOut, **REFUSALS},
    operation_id="standings_get",
)
def get_standing(request: HttpRequest, person_pk: int) -> dict[str, Any]:
    """One person's standing; 404 for someone not on this school's register."""
    school = caller_school(caller(request), Perm.AGREEMENTS_VIEW)
    row = stored_standings(school).select_related("person").filter(person_id=person_pk).first()
    if row is None:
        raise Http404("No such person at this school, or no standing worked out yet.")
    return standing_out(row)
