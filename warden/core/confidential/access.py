"""Who may read a confidential record: the holders of the area's "view" permission at the
record's school, and the people on that record's access list. Anyone else gets 404, so the
answer does not even confirm that the record exists.

Each area's ``access`` module wraps these with its own models, permissions and refusals.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from warden.core.access import AnyUser, has_perm, visible_school_ids
from warden.core.confidential.kinds import RecordKind
from warden.core.models import School

M = TypeVar("M", bound=models.Model)


def on_access_list(user: AnyUser, record: Any) -> bool:
    if not user.is_authenticated:
        return False
    return bool(record.access_list.filter(user_id=user.pk).exists())


def can_read(user: AnyUser, record: Any, kind: RecordKind) -> bool:
    return has_perm(user, kind.view_perm, record.school_id) or on_access_list(user, record)


def can_manage(user: AnyUser, record: Any, kind: RecordKind) -> bool:
    return has_perm(user, kind.manage_perm, record.school_id)


def record_for_user(
    queryset: models.QuerySet[M],
    user: AnyUser,
    pk: int,
    *,
    kind: RecordKind,
    write: bool,
    missing: str,
    manage_refusal: str = "",
) -> M:
    """The record the user may read (or, with ``write``, handle); 404 or 403 otherwise.

    404 with ``missing`` for another school's record and for one the user may not read;
    403 for a reader who may not handle it, with ``manage_refusal`` (the kind's own by
    default).
    """
    record = queryset.filter(pk=pk).first()
    if record is None or cast(Any, record).school_id not in visible_school_ids(user):
        raise Http404(missing)
    if not can_read(user, record, kind):
        raise Http404(missing)
    if write and not can_manage(user, record, kind):
        raise PermissionDenied(manage_refusal or kind.manage_refusal)
    return record


def records_for_user(
    queryset: models.QuerySet[M], user: AnyUser, school: School, *, kind: RecordKind
) -> models.QuerySet[M] | None:
    """The school's records the user may read: all of them with the kind's view permission,
    else those whose access list names the user; None when that is none, for the area to
    refuse in its own words. 404 for a school the user has no role at."""
    if school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    records = queryset.filter(school=school)
    if has_perm(user, kind.view_perm, school):
        return records
    mine = records.filter(access_list__user_id=int(user.pk or 0))
    return mine if mine.exists() else None
