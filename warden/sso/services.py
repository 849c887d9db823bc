"""Every write of single sign-on: providers, links, and the sign-in itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from warden.core.access import memberships
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, Trust, User
from warden.sso import presets
from warden.sso.models import PROVIDER_FIELDS, LinkHow, Provider, ProviderFactor, ProviderLink


class SignInRefused(ServiceError):
    """A provider's user Warden will not sign in, with what to tell them."""

    def __init__(self, message: str, *, subject: str = "", email: str = ""):
        super().__init__(message)
        self.subject = subject
        self.email = email


def _audit(
    action: str,
    *,
    actor: User | None,
    provider: Provider,
    changes: Mapping[str, Any],
    obj: Provider | ProviderLink | None = None,
) -> None:
    """One audit entry about ``provider``, filed under its school, or its trust."""
    audit_log(
        actor=actor,
        action=action,
        obj=obj or provider,
        school=provider.school,
        trust=provider.trust,
        changes=changes,
    )


def _apply(provider: Provider, fields: Mapping[str, Any]) -> None:
    for name in PROVIDER_FIELDS:
        if name in fields:
            setattr(provider, name, fields[name])
    provider.name = provider.name.strip()
    provider.issuer = presets.issuer_for(provider.preset, provider.issuer)
    provider.staff_domain = provider.staff_domain.strip().lower().lstrip("@")
    if not provider.issuer:
        raise ServiceError(
            "Give the provider's issuer address.",
            field_errors={"issuer": ["Give the issuer address (or, for Entra ID, the tenant)."]},
        )
    if provider.preset == presets.ENTRA and presets.entra_shared_tenant(provider.issuer):
        raise ServiceError(
            "Name your own tenant, not common or organizations.",
            field_errors={
                "issuer": [
                    "Give your tenant's directory ID or domain: the shared common and "
                    "organizations addresses accept any Microsoft organisation."
                ]
            },
        )
    if not (provider.client_secret_env or provider.client_secret_file):
        raise ServiceError(
            "Say where Warden reads the client secret.",
            field_errors={
                "client_secret_env": [
                    "Name an environment variable or a file holding the client secret."
                ]
            },
        )
    clash = Provider.objects.filter(
        trust_id=provider.trust_id, school=provider.school, name__iexact=provider.name
    ).exclude(pk=provider.pk)
    if clash.exists():
        raise ServiceError(
            "Another provider has that name.",
            field_errors={"name": ["Another provider here has that name: choose another."]},
        )


@transaction.atomic
def provider_create(
    *, actor: User, trust: Trust, school: School | None, fields: Mapping[str, Any]
) -> Provider:
    """Set up sign-in through an OpenID provider for one school, or (``school`` None) for
    every school of ``trust``. The client secret stays outside the database."""
    provider = Provider(trust=trust, school=school)
    _apply(provider, fields)
    provider.save()
    _audit(
        "sso.provider_added",
        actor=actor,
        provider=provider,
        changes=snapshot(provider, list(PROVIDER_FIELDS)),
    )
    return provider


@transaction.atomic
def provider_update(*, actor: User, provider: Provider, fields: Mapping[str, Any]) -> Provider:
    """Change a provider's settings; an unchanged form writes nothing."""
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    before = snapshot(provider, list(PROVIDER_FIELDS))
    _apply(provider, fields)
    changes = diff(before, snapshot(provider, list(PROVIDER_FIELDS)))
    if changes:
        provider.save()
        _audit("sso.provider_changed", actor=actor, provider=provider, changes=changes)
    return provider


def _holds_role_under(user: User, provider: Provider) -> bool:
    """Whether ``user`` has a role where ``provider`` signs people in: its school, or any
    school of its trust (or across the trust) for a trust's provider."""
    for m in memberships(user):
        if m.trust_id != provider.trust_id:
            continue
        if provider.school_id is None or m.school_id in (None, provider.school_id):
            return True
    return False


@transaction.atomic
def link_create(
    *, actor: User | None, provider: Provider, user: User, subject: str, how: str = LinkHow.ADMIN
) -> ProviderLink:
    """Link ``user`` to ``subject`` (the provider's ``sub``) at ``provider``.

    Roles still come from Warden: the user must already hold one where the provider signs
    people in. One link per user and per subject at a provider.
    """
    subject = subject.strip()
    if not subject:
        raise ServiceError(
            "Give the user's subject at the provider.",
            field_errors={"subject": ["Give the reference the refusal page showed them."]},
        )
    if not _holds_role_under(user, provider):
        raise ServiceError(
            f"{user} has no role where {provider} signs people in: give them a role first.",
            field_errors={"user": [f"{user} has no role where {provider} signs people in."]},
        )
    taken = ProviderLink.objects.filter(provider=provider, subject=subject).first()
    if taken is not None:
        raise ServiceError(
            f"That subject is already linked to {taken.user}.",
            field_errors={"subject": [f"Already linked to {taken.user}: remove that link first."]},
        )
    if ProviderLink.objects.filter(provider=provider, user=user).exists():
        raise ServiceError(
            f"{user} is already linked at {provider}.",
            field_errors={"user": [f"{user} is already linked at {provider}: remove it first."]},
        )
    link = ProviderLink.objects.create(
        provider=provider, user=user, subject=subject, how=how, linked_by=actor
    )
    ProviderFactor.objects.create(
        user=user, link=link, name=f"Sign-in through {provider}", confirmed=True
    )
    _audit(
        "sso.linked",
        actor=actor,
        provider=provider,
        obj=link,
        changes={"how": [None, how], "subject": [None, subject]},
    )
    return link


@transaction.atomic
def link_remove(*, actor: User, link: ProviderLink) -> None:
    """Remove a link: the user signs in with their Warden password again."""
    _audit(
        "sso.unlinked",
        actor=actor,
        provider=link.provider,
        obj=link,
        changes={"subject": [link.subject, None]},
    )
    link.delete()


def _refuse(provider: Provider, reason: str, message: str, claims: Mapping[str, Any]) -> None:
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "")
    refusal_record(provider=provider, reason=reason, subject=subject, email=email)
    raise SignInRefused(message, subject=subject, email=email)


def refusal_record(*, provider: Provider, reason: str, subject: str = "", email: str = "") -> None:
    """Audit a refused sign-in: the provider's answer failed its checks, or named nobody
    Warden may sign in."""
    changes = {
        "provider": provider.name,
        "reason": reason[:300],
        "subject": subject,
        "email": email,
    }
    with transaction.atomic():
        _audit(
            "sso.refused",
            actor=None,
            provider=provider,
            changes={name: [None, value] for name, value in changes.items() if value},
        )


def _link_by_domain_rule(provider: Provider, claims: Mapping[str, Any]) -> ProviderLink | None:
    """Policy: staff of the school's own domain are matched by their verified address to
    the Warden user holding it, never created: the user must exist with a role here."""
    email = presets.verified_email(provider.preset, claims)
    if not email or not provider.staff_domain:
        return None
    if presets.email_domain(email) != provider.staff_domain:
        return None
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not _holds_role_under(user, provider):
        return None
    if ProviderLink.objects.filter(provider=provider, user=user).exists():
        # Linked already under another subject: an administrator decides, not an address.
        return None
    return link_create(
        actor=None,
        provider=provider,
        user=user,
        subject=str(claims["sub"]),
        how=LinkHow.DOMAIN,
    )


@dataclass(frozen=True)
class SignIn:
    user: User
    link: ProviderLink
    # The device that verifies the session, only when the provider asserted a second factor.
    factor: ProviderFactor | None


def sign_in_match(*, provider: Provider, claims: Mapping[str, Any]) -> SignIn:
    """Who signs in for these checked ID-token claims, and the second factor the provider
    asserted, if it did (``presets.asserted_mfa``).

    A stored subject matches first; otherwise the staff domain rule may link a Warden user
    by verified address. Nobody is created: anyone else is refused with the reference an
    administrator needs to link them. The sign-in is audited either way.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        _refuse(provider, "no subject", "The provider did not say who signed in.", claims)
    link = (
        ProviderLink.objects.select_related("user", "provider").filter(
            provider=provider, subject=subject
        )
    ).first() or _link_by_domain_rule(provider, claims)
    if link is None:
        _refuse(
            provider,
            "not linked to a Warden user",
            f"Your {provider.button_name} account is not linked to anyone in Warden, so "
            "Warden cannot sign you in with it. Ask your ICT manager to link it to your "
            "Warden sign-in, giving them the reference below.",
            claims,
        )
    assert link is not None
    user = link.user
    if not user.is_active or not _holds_role_under(user, provider):
        _refuse(
            provider,
            "the Warden user is switched off or has no role here",
            f"Your {provider.button_name} account is linked to a Warden sign-in that is "
            "switched off or has no role here any more. Ask your ICT manager.",
            claims,
        )
    mfa = presets.asserted_mfa(claims)
    with transaction.atomic():
        ProviderLink.objects.filter(pk=link.pk).update(last_sign_in_at=timezone.now())
        _audit(
            "sso.signed_in",
            actor=user,
            provider=provider,
            changes={
                "provider": [None, provider.name],
                "second_factor": [
                    None,
                    "second factor asserted by the provider"
                    if mfa
                    else "no second factor asserted; Warden's own applies",
                ],
            },
        )
    factor = ProviderFactor.objects.filter(link=link).first() if mfa else None
    return SignIn(user=user, link=link, factor=factor)
