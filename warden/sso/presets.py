"""The named providers and the rules read from an ID token, with no Django in them.

Each rule is one plain function, so the pages, the services and the tests share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENTRA = "entra"
GOOGLE = "google"
GENERIC = "generic"

GOOGLE_ISSUER = "https://accounts.google.com"
ENTRA_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"

# What the sign-in button says for each preset ("Sign in with Microsoft").
BUTTON_NAMES = {ENTRA: "Microsoft", GOOGLE: "Google"}

# Authentication methods (RFC 8176 "amr") and classes ("acr") that mean the provider itself
# asked for more than a password. Entra ID puts "mfa" in amr; a provider following the
# PAPE policy names it in acr.
MFA_AMR = frozenset({"mfa"})
MFA_ACR = frozenset({"mfa", "http://schemas.openid.net/pape/policies/2007/06/multi-factor"})


def issuer_for(preset: str, value: str) -> str:
    """The issuer address Warden discovers the provider from.

    Google Workspace has one issuer whatever is typed. For Entra ID a bare tenant (its
    directory ID or primary domain) stands for that tenant's v2.0 issuer; the shared
    "common" or "organizations" addresses are refused, as their tokens name each user's own
    tenant and cannot be checked against one issuer. Anything else is used as typed.
    """
    value = value.strip().rstrip("/")
    if preset == GOOGLE:
        return GOOGLE_ISSUER
    if preset == ENTRA and value and "://" not in value:
        value = ENTRA_ISSUER.format(tenant=value)
    return value


def entra_shared_tenant(issuer: str) -> bool:
    parts = issuer.rstrip("/").split("/")
    return any(part in ("common", "organizations", "consumers") for part in parts)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def asserted_mfa(claims: Mapping[str, Any]) -> bool:
    """Whether the ID token says the provider asked for a second factor: "mfa" among its
    ``amr`` methods, or a multi-factor ``acr``. Without either Warden asks for its own."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    return bool(MFA_AMR & {str(m) for m in amr}) or str(claims.get("acr") or "") in MFA_ACR


def verified_email(preset: str, claims: Mapping[str, Any]) -> str:
    """The e-mail address the provider vouches for, lower-cased, or "".

    ``email_verified`` must be true. Entra ID does not send that claim; it sends
    ``xms_edov`` (the address's domain is verified by the tenant) when the optional claim is
    configured, which counts the same for an Entra provider only.
    """
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        return ""
    if claims.get("email_verified") is True:
        return email
    if preset == ENTRA and claims.get("xms_edov") in (True, "1", 1, "true"):
        return email
    return ""


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()
