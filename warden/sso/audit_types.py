"""Audit entries single sign-on writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, AuditType

AUDIT_TYPES = [
    AuditType("sso.provider_added", "{actor} set up sign-in with {record}", fields=RECORD),
    AuditType(
        "sso.provider_changed", "{actor} changed the sign-in settings of {record}", fields=RECORD
    ),
    AuditType("sso.linked", "{actor} linked the sign-in of {record}", fields=("how", "subject")),
    AuditType("sso.unlinked", "{actor} removed the sign-in link of {record}", fields=("subject",)),
    AuditType(
        "sso.signed_in",
        "{actor} signed in through {provider} ({second_factor})",
        fields=("provider", "second_factor"),
        label="Signed in through a provider",
    ),
    AuditType(
        "sso.refused",
        "A sign-in through {provider} was refused: {reason}",
        fields=("provider", "reason", "subject", "email"),
        label="Sign-in through a provider refused",
    ),
]
