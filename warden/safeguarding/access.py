"""Who may read or handle a welfare concern. Every view fetches concerns through these.

A concern is confidential to the designated safeguarding lead and deputies (``WELFARE_VIEW``,
``WELFARE_MANAGE``) and to the Warden users the DSL adds to that concern's access list, with a
reason, on a need-to-know basis (Keeping Children Safe in Education). The headteacher,
governors, teachers, the ICT team and other schools get 404: the answer does not even
confirm that a concern exists. Whoever may read a concern may add a note to its chronology;
everything else (assessment, referrals, steps, access, closing, export) needs
``WELFARE_MANAGE``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from warden.core.access import AnyUser, has_perm, visible_school_ids
from warden.core.models import School
from warden.core.roles import Perm
from warden.safeguarding.models import ConcernAccess, ConcernStep, WelfareConcern

MANAGE_REFUSAL = (
    "Only the designated safeguarding lead or a deputy handles a welfare concern; you were "
    "given access to read it."
)


def on_access_list(user: AnyUser, concern: WelfareConcern) -> bool:
    if not user.is_authenticated:
        return False
    return ConcernAccess.objects.filter(concern=concern, user_id=user.pk).exists()


def can_read(user: AnyUser, concern: WelfareConcern) -> bool:
    return has_perm(user, Perm.WELFARE_VIEW, concern.school_id) or on_access_list(user, concern)


def can_manage(user: AnyUser, concern: WelfareConcern) -> bool:
    return has_perm(user, Perm.WELFARE_MANAGE, concern.school_id)


def concern_for_user(user: AnyUser, pk: int, *, write: bool = False) -> WelfareConcern:
    """A concern the user may read (or, with ``write``, handle); 404 or 403 otherwise."""
    concern = (
        WelfareConcern.objects.select_related(
            "school", "school__trust", "person", "raised_by", "closed_by", "incident"
        )
        .filter(pk=pk)
        .first()
    )
    if concern is None or concern.school_id not in visible_school_ids(user):
        raise Http404("No such concern.")
    if not can_read(user, concern):
        raise Http404("No such concern.")
    if write and not can_manage(user, concern):
        raise PermissionDenied(MANAGE_REFUSAL)
    return concern


def concerns_for_user(user: AnyUser, school: School) -> QuerySet[WelfareConcern]:
    """The school's concerns this user may read; 404 for someone who may read none, so the
    list does not confirm that any exist."""
    if school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    concerns = WelfareConcern.objects.filter(school=school)
    if has_perm(user, Perm.WELFARE_VIEW, school):
        return concerns
    mine = concerns.filter(access_list__user_id=int(user.pk or 0))
    if not mine.exists():
        raise Http404("No such page.")
    return mine


def _through_concern(concern_id: int, user: AnyUser) -> WelfareConcern:
    return concern_for_user(user, concern_id, write=True)


def step_for_user(user: AnyUser, pk: int) -> ConcernStep:
    step = ConcernStep.objects.filter(pk=pk).first()
    if step is None:
        raise Http404("No such step.")
    step.concern = _through_concern(step.concern_id, user)
    return step


def access_entry_for_user(user: AnyUser, pk: int) -> ConcernAccess:
    entry = ConcernAccess.objects.select_related("user").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such access.")
    entry.concern = _through_concern(entry.concern_id, user)
    return entry
