"""Who may see, decide or use a staff monitoring authorisation (policy duty "Staff
monitored only with authorisation", docs/policy-map.md).

An authorisation is as confidential as what it allows ("the strictest confidentiality"). It
is open to those who may ask for one (``INCIDENTS_MANAGE`` holders and the SIRO), to those
who grant them (the headteacher and governors) and to the investigator it names. Anyone
else gets 404, so the answer does not even say that one exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from warden.core.access import AnyUser, has_perm, roles_by_school, visible_school_ids
from warden.core.models import School
from warden.core.roles import Perm
from warden.incidents import rules
from warden.incidents.models import MonitoringAuthorisation

REQUEST_REFUSAL = (
    "Only the DSL, a deputy DSL, the SIRO or the headteacher asks to examine a member of "
    "staff's use."
)
APPROVE_REFUSAL = (
    "Only the headteacher or a governor may grant, refuse or review permission to examine a "
    f"member of staff's use ({rules.STAFF_MONITORING_CLAUSE})."
)


def _roles(user: AnyUser, school_id: int) -> set[str]:
    return roles_by_school(user).get(school_id, set())


def may_request(user: AnyUser, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return has_perm(user, Perm.INCIDENTS_MANAGE, school_id) or bool(
        _roles(user, school_id) & rules.EXTRA_REQUESTER_ROLES
    )


def may_approve(user: AnyUser, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return bool(_roles(user, school_id) & rules.APPROVER_ROLES)


def sees_all(user: AnyUser, school: School | int) -> bool:
    return may_request(user, school) or may_approve(user, school)


def authorisation_for_user(
    user: AnyUser, pk: int, *, decide: bool = False
) -> MonitoringAuthorisation:
    """An authorisation the user may see (or, with ``decide``, approve, refuse or review);
    404 for anyone it is not open to, 403 for one they may see but not decide."""
    authorisation = (
        MonitoringAuthorisation.objects.select_related(
            "school", "school__trust", "subject", "investigator", "requested_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if authorisation is None or authorisation.school_id not in visible_school_ids(user):
        raise Http404("No such authorisation.")
    mine = authorisation.investigator_id == getattr(user, "pk", None)
    if not (mine or sees_all(user, authorisation.school_id)):
        raise Http404("No such authorisation.")
    if decide and not may_approve(user, authorisation.school_id):
        raise PermissionDenied(APPROVE_REFUSAL)
    return authorisation


def authorisations_for_user(user: AnyUser, school: School) -> QuerySet[MonitoringAuthorisation]:
    """The school's authorisations this user may see; 403 for someone who may see none."""
    if school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    found = MonitoringAuthorisation.objects.filter(school=school)
    if sees_all(user, school):
        return found
    mine = found.filter(investigator_id=int(user.pk or 0))
    if not mine.exists():
        raise PermissionDenied(
            "Staff monitoring authorisations are open to the headteacher, governors, the DSL "
            "and deputies, the SIRO, and the investigator each one names."
        )
    return mine
