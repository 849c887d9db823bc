"""May this user see or change this provider or link? Views ask here, never the models."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from warden.core.access import (
    AnyUser,
    memberships,
    require_may_manage,
    require_perm,
    roles_hold,
)
from warden.core.models import School, Trust
from warden.core.roles import Perm
from warden.sso.models import Provider, ProviderLink


def providers_at(school: School) -> QuerySet[Provider]:
    """The providers that sign people in at ``school``: its own and its trust's."""
    return Provider.objects.filter(
        Q(school=school) | Q(trust_id=school.trust_id, school__isnull=True)
    ).select_related("trust", "school")


def may_configure_trust(user: AnyUser, trust: Trust) -> bool:
    """Only a trust-wide role that configures schools sets up a provider for the whole trust."""
    return any(
        m.school_id is None
        and m.trust_id == trust.pk
        and roles_hold([m.role], Perm.SCHOOL_CONFIGURE)
        for m in memberships(user)
    )


def provider_for_user(user: AnyUser, pk: int, school: School, *, write: bool = False) -> Provider:
    """A provider of the acting school (404 for any other), 403 without the right to
    configure the school, or, to change a trust's provider, the trust."""
    require_perm(user, Perm.SCHOOL_CONFIGURE, school)
    provider = providers_at(school).filter(pk=pk).first()
    if provider is None:
        raise Http404("No such provider.")
    if write and provider.school_id is None and not may_configure_trust(user, provider.trust):
        raise PermissionDenied(
            f"{provider} signs people in at every school of {provider.trust.name}: only a "
            "trust administrator may change it."
        )
    return provider


def link_for_user(user: AnyUser, pk: int, school: School) -> ProviderLink:
    """A link of one of the acting school's providers whose user has a role at the school;
    changing it asks as much as resetting that user's sign-in (``require_may_manage``)."""
    require_perm(user, Perm.SCHOOL_CONFIGURE, school)
    link = (
        ProviderLink.objects.filter(pk=pk, provider__in=providers_at(school))
        .filter(
            Q(user__memberships__school=school)
            | Q(user__memberships__trust=school.trust, user__memberships__school__isnull=True)
        )
        .select_related("user", "provider")
        .first()
    )
    if link is None:
        raise Http404("No such link.")
    require_may_manage(user, link.user, school)
    return link


__all__ = [
    "link_for_user",
    "may_configure_trust",
    "provider_for_user",
    "providers_at",
    "require_may_manage",
]
