"""School-B objects for the cross-school test (warden/core/tests/test_cross_school_access.py)."""

from __future__ import annotations

import uuid
from typing import Any

from warden.core.models import School
from warden.sso.models import Provider, ProviderLink
from warden.testing.factories import UserFactory, member

MARKER = "Zebedee-Bschool"


def _provider(b: School) -> Provider:
    return Provider.objects.create(
        trust=b.trust,
        school=b,
        name=f"{MARKER} provider {uuid.uuid4().hex[:6]}",
        issuer="https://id.example.org",
        client_id=MARKER,
        client_secret_env="UNSET_SECRET",
    )


def make_provider(b: School) -> Any:
    return _provider(b).pk


def make_link(b: School) -> Any:
    user = UserFactory.create(username=f"{MARKER}-{uuid.uuid4().hex[:6]}", first_name=MARKER)
    member(user, b, "teacher")
    return ProviderLink.objects.create(provider=_provider(b), user=user, subject=MARKER).pk


OBJECT_MAKERS = [("sso_provider_pk", make_provider), ("sso_link_pk", make_link)]
# The button of the sign-in page: anyone may start a sign-in at an enabled provider.
PUBLIC_PATTERNS = ["sso:start"]
