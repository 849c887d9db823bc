"""A tampered ID token is refused: signature, issuer, audience, nonce and expiry are checked
against the real provider's published keys (tests/oidc)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from warden.sso import oidc

pytestmark = pytest.mark.django_db

NONCE = "nonce-of-this-sign-in"


def _claims(server, **changes):
    now = int(time.time())
    claims = {
        "iss": server.issuer,
        "aud": server.client_id,
        "sub": "mfa-user",
        "nonce": NONCE,
        "iat": now,
        "exp": now + 300,
        "amr": ["pwd", "mfa"],
    }
    claims.update(changes)
    return claims


def test_a_token_signed_by_the_provider_is_accepted(provider, oidc_server):
    claims = oidc.id_token_claims(
        provider, id_token=oidc_server.sign(_claims(oidc_server)), nonce=NONCE
    )
    assert claims["sub"] == "mfa-user"


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"iss": "http://127.0.0.1:1"}, "'iss'"),
        ({"aud": "another-client"}, "'aud'"),
        ({"nonce": "a-nonce-from-another-sign-in"}, "'nonce'"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ],
    ids=["wrong issuer", "wrong audience", "wrong nonce", "expired"],
)
def test_a_token_with_a_wrong_claim_is_refused(provider, oidc_server, changes, refusal):
    token = oidc_server.sign(_claims(oidc_server, **changes))
    with pytest.raises(oidc.PROVIDER_ERRORS, match=refusal):
        oidc.id_token_claims(provider, id_token=token, nonce=NONCE)


def test_a_token_signed_by_another_key_is_refused(provider, oidc_server):
    other = RSAKey.generate_key(2048, private=True)
    token = jwt.encode({"alg": "RS256", "kid": "test-key"}, _claims(oidc_server), other)
    with pytest.raises(oidc.PROVIDER_ERRORS):
        oidc.id_token_claims(provider, id_token=token, nonce=NONCE)


def test_a_token_whose_claims_were_edited_is_refused(provider, oidc_server):
    header, _payload, signature = oidc_server.sign(_claims(oidc_server)).split(".")
    forged = oidc_server.sign(_claims(oidc_server, sub="someone-else")).split(".")[1]
    with pytest.raises(oidc.PROVIDER_ERRORS):
        oidc.id_token_claims(provider, id_token=f"{header}.{forged}.{signature}", nonce=NONCE)


def test_an_unsigned_token_is_refused(provider, oidc_server):
    parts = [{"alg": "none", "typ": "JWT"}, _claims(oidc_server)]
    token = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in parts
        )
        + "."
    )
    with pytest.raises(oidc.PROVIDER_ERRORS):
        oidc.id_token_claims(provider, id_token=token, nonce=NONCE)
