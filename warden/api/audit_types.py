"""Audit entries the API writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import AuditType
from warden.core.roles import Perm

AUDIT_TYPES = [
    AuditType(
        "api.called",
        "{actor} called {endpoint} (answered {status})",
        fields=("endpoint", "status"),
        perm=Perm.SCHOOL_CONFIGURE,
        label="API called",
    ),
]
