"""May this user see or change this? Every view asks here, never the models directly.

Two answers matter: a school the user has no membership of does not exist for them (404),
and a school they belong to but where their role lacks the right gives 403 with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from warden.core.models import Membership, School, User
from warden.core.roles import (
    PERM_LABELS,
    ROLE_PERMISSIONS,
    TWO_FACTOR_ROLES,
    Perm,
    Role,
    grant_refusal,
)

M = TypeVar("M", bound=models.Model)
AnyUser = User | AnonymousUser


def memberships(user: AnyUser) -> list[Membership]:
    """The user's memberships, read once per request and kept on the user object."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_warden_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("school__trust", "trust"))
        setattr(user, "_warden_memberships", cached)  # noqa: B010 (a per-request cache)
    return cached


def _trust_school_ids(trust_ids: set[int]) -> set[int]:
    if not trust_ids:
        return set()
    return set(School.objects.filter(trust_id__in=trust_ids).values_list("pk", flat=True))


def roles_by_school(user: AnyUser) -> dict[int, set[str]]:
    """``{school_id: {role, ...}}`` with trust-wide roles spread over the trust's schools."""
    cached: dict[int, set[str]] | None = getattr(user, "_warden_roles_by_school", None)
    if cached is not None:
        return cached
    result: dict[int, set[str]] = {}
    trust_roles: dict[int, set[str]] = {}
    for membership in memberships(user):
        if membership.school_id is not None:
            result.setdefault(membership.school_id, set()).add(membership.role)
        else:
            trust_roles.setdefault(membership.trust_id, set()).add(membership.role)
    if trust_roles:
        for school_id, trust_id in School.objects.filter(
            trust_id__in=trust_roles.keys()
        ).values_list("pk", "trust_id"):
            result.setdefault(school_id, set()).update(trust_roles[trust_id])
    if user.is_authenticated:
        setattr(user, "_warden_roles_by_school", result)  # noqa: B010
    return result


def visible_school_ids(user: AnyUser) -> set[int]:
    return set(roles_by_school(user))


def roles_hold(roles: Iterable[str], perm: str) -> bool:
    """Whether any of ``roles`` holds ``perm``: a permission comes from a role alone
    (``core.roles.ROLE_PERMISSIONS``)."""
    return any(perm in ROLE_PERMISSIONS.get(role, frozenset()) for role in roles)


def school_ids_with(user: AnyUser, perm: str) -> set[int]:
    granted: dict[int, frozenset[str]] | None = getattr(user, "granted_perms", None)
    if granted is not None:  # an API token holds its scopes at its school (warden/api/auth.py)
        return {school_id for school_id, perms in granted.items() if perm in perms}
    return {
        school_id for school_id, roles in roles_by_school(user).items() if roles_hold(roles, perm)
    }


def has_perm(user: AnyUser, perm: str, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return school_id in school_ids_with(user, perm)


def schools_for(user: AnyUser, perm: str | None = None) -> models.QuerySet[School]:
    ids = visible_school_ids(user) if perm is None else school_ids_with(user, perm)
    return School.objects.filter(pk__in=ids).select_related("trust")


def visible_schools(user: AnyUser) -> list[School]:
    """The schools the user may see (``schools_for(user)``), read once per request and kept
    on the user object: the acting school and the header's school list both need them."""
    if not user.is_authenticated:
        return []
    cached: list[School] | None = getattr(user, "_warden_schools", None)
    if cached is None:
        held = memberships(user)
        if all(m.school is not None for m in held):
            # Only roles at schools: the schools came with the memberships, no query more.
            by_pk = {m.school.pk: m.school for m in held if m.school is not None}
            cached = sorted(by_pk.values(), key=lambda s: s.name)
        else:
            cached = list(schools_for(user))
        setattr(user, "_warden_schools", cached)  # noqa: B010 (a per-request cache)
    return cached


def needs_two_factor(user: AnyUser) -> bool:
    """Whether the user must pass a second factor: a role reading personal data always, a
    role with figures only unless every school it is held at exempts it
    (``School.second_factor_exempt_roles``; a trust-wide one needs all the trust's schools)."""
    for m in memberships(user):
        if m.role in TWO_FACTOR_ROLES:
            return True
        schools = [m.school] if m.school is not None else School.objects.filter(trust=m.trust_id)
        if any(m.role not in (s.second_factor_exempt_roles or []) for s in schools):
            return True
    return False


def role_labels(user: AnyUser, school: School) -> list[str]:
    return sorted(Role(role).label for role in roles_by_school(user).get(school.pk, set()))


def require_perm(user: AnyUser, perm: str, school: School) -> None:
    """Raise 404 for a school the user cannot see, 403 (with the reason) for a missing right."""
    if school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    if not has_perm(user, perm, school):
        what = PERM_LABELS.get(perm)
        raise PermissionDenied(
            f"Your role at {school.name} does not allow this"
            + (f": {what[:1].lower() + what[1:]}. " if what else ". ")
            + "Ask your headteacher or ICT manager if you need it."
        )


def management_refusal(actor: AnyUser, target: User) -> str | None:
    """Why ``actor`` may not reset, re-enrol, switch off or change the roles of ``target``.

    A reset hands over the account, so it asks for as much as granting the account's
    roles would: ``target`` may hold no role, at any school, that ``actor`` could not grant
    there (``roles.grant_refusal``), and a trust-wide user is managed only by a trust-wide
    administrator of the same trust. None when ``actor`` may.
    """
    actor_roles = roles_by_school(actor)
    actor_trusts = {
        m.trust_id
        for m in memberships(actor)
        if m.school_id is None and Perm.USERS_MANAGE in ROLE_PERMISSIONS.get(m.role, frozenset())
    }
    for membership in memberships(target):
        label = Role(membership.role).label
        if membership.school_id is None:
            if membership.trust_id not in actor_trusts:
                return (
                    f"{target} is {label} across the trust: only a trust administrator may "
                    "reset or change their sign-in."
                )
        elif grant_refusal(actor_roles.get(membership.school_id, set()), membership.role):
            return (
                f"{target} holds a role you could not grant ({label}): only someone who "
                "could grant it may reset or change their sign-in. Ask your headteacher "
                "or a trust administrator."
            )
    return None


def require_may_manage(actor: AnyUser, target: User, school: School) -> None:
    """403 with the reason unless ``actor`` manages users at ``school`` and may manage
    ``target`` (``management_refusal``)."""
    require_perm(actor, Perm.USERS_MANAGE, school)
    refusal = management_refusal(actor, target)
    if refusal:
        raise PermissionDenied(refusal)


def school_for_user(user: AnyUser, slug: str, perm: str) -> School:
    school = School.objects.select_related("trust").filter(slug=slug).first()
    if school is None or school.pk not in visible_school_ids(user):
        raise Http404("No such school.")
    require_perm(user, perm, school)
    return school


def scoped(
    queryset: models.QuerySet[M], user: AnyUser, perm: str, field: str = "school"
) -> models.QuerySet[M]:
    """Restrict a queryset of school-owned rows to the schools where the user holds ``perm``."""
    return queryset.filter(**{f"{field}_id__in": school_ids_with(user, perm)})


def object_for_user(
    queryset: models.QuerySet[M], user: AnyUser, perm: str, *, field: str = "school", **lookup: Any
) -> M:
    """One school-owned object, or 404 when it is outside the user's schools, 403 without perm.

    The per-type helpers (``person_for_user`` ...) are thin wrappers over this one.
    """
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("Not found.")
    school: School = getattr(obj, field)
    require_perm(user, perm, school)
    return obj


def request_school(request: HttpRequest) -> School:
    """The school the signed-in user is acting for; 403 when they have none yet."""
    school: School | None = getattr(request, "school", None)
    if school is None:
        raise PermissionDenied(
            "Your sign-in has no role at any school yet. Ask your headteacher or ICT manager."
        )
    return school


def request_user(request: HttpRequest) -> User:
    """The signed-in operator (views using this are behind ``login_required``)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user
