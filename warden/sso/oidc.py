"""Talking to a provider through Authlib: one client per provider row, built per request.

Authlib's Django client keeps the state, the nonce and the PKCE verifier in the session and
checks the ID token's signature (the provider's published keys), issuer, audience, expiry
and nonce. A client is built from the database row each time, so every trust or school has
its own provider without any settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from joserfc.errors import JoseError
from requests import RequestException

from warden.core.errors import ServiceError
from warden.sso import presets
from warden.sso.models import Provider

SCOPE = "openid email profile"
# Everything that means "the provider's answer cannot be trusted or was not received".
PROVIDER_ERRORS: tuple[type[Exception], ...] = (
    OAuthError,
    JoseError,
    RequestException,
    ValueError,
    KeyError,
    RuntimeError,
)

_NO_METADATA: tuple[type[Exception], ...] = (*PROVIDER_ERRORS, ServiceError)


def client_secret(provider: Provider) -> str:
    """The client secret, from the environment variable or the file the provider names."""
    if provider.client_secret_env:
        value = os.environ.get(provider.client_secret_env)
        if value is None:
            raise ServiceError(
                f"The environment variable {provider.client_secret_env} (the client secret "
                f"of {provider}) is not set for Warden."
            )
        return value
    if provider.client_secret_file:
        try:
            return Path(provider.client_secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ServiceError(
                f"Cannot read the client secret file {provider.client_secret_file} of "
                f"{provider}: {exc.strerror}."
            ) from None
    raise ServiceError(f"{provider} has no client secret set up: name a variable or a file.")


def client_for(provider: Provider) -> DjangoOAuth2App:
    client = OAuth().register(
        name=f"sso{provider.pk}",
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        server_metadata_url=presets.discovery_url(provider.issuer),
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": 10},
    )
    assert isinstance(client, DjangoOAuth2App)
    return client


def claims_options(provider: Provider) -> dict[str, Any]:
    # The issuer is the one configured, not only whatever the discovery document says.
    return {
        "iss": {"essential": True, "values": [provider.issuer.rstrip("/")]},
        "aud": {"essential": True, "values": [provider.client_id]},
    }


def id_token_claims(provider: Provider, *, id_token: str, nonce: str) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature, issuer, audience, expiry and nonce are
    checked, as at the end of a sign-in; raises one of ``PROVIDER_ERRORS`` otherwise."""
    userinfo = client_for(provider).parse_id_token(
        {"id_token": id_token}, nonce=nonce, claims_options=claims_options(provider)
    )
    return dict(userinfo)


def end_session_url(provider: Provider) -> str:
    """The provider's sign-out address (RP-initiated logout), or "" when it has none."""
    try:
        metadata = client_for(provider).load_server_metadata()
    except _NO_METADATA:
        return ""
    return str(metadata.get("end_session_endpoint") or "")
