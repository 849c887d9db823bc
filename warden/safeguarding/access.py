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

from django.db.models import QuerySet
from django.http import Http404

from warden.core.access import AnyUser
from warden.core.confidential import access as confidential
from warden.core.models import School
from warden.safeguarding import rules
from warden.safeguarding.models import ConcernAccess, ConcernStep, WelfareConcern

RECORDS = rules.CONCERN_RECORDS
# Said to a reader (given access through the list) who tries to handle the concern.
MANAGE_REFUSAL = f"{RECORDS.manage_refusal} You were given access to read it."


def can_manage(user: AnyUser, concern: WelfareConcern) -> bool:
    return confidential.can_manage(user, concern, RECORDS)


def concern_for_user(user: AnyUser, pk: int, *, write: bool = False) -> WelfareConcern:
    """A concern the user may read (or, with ``write``, handle); 404 or 403 otherwise."""
    return confidential.record_for_user(
        WelfareConcern.objects.select_related(
            "school", "school__trust", "person", "raised_by", "closed_by", "incident"
        ),
        user,
        pk,
        kind=RECORDS,
        write=write,
        missing="No such concern.",
        manage_refusal=MANAGE_REFUSAL,
    )


def concerns_for_user(user: AnyUser, school: School) -> QuerySet[WelfareConcern]:
    """The school's concerns this user may read; 404 for someone who may read none, so the
    list does not confirm that any exist."""
    mine = confidential.records_for_user(WelfareConcern.objects.all(), user, school, kind=RECORDS)
    if mine is None:
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
