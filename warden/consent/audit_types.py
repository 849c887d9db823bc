"""Audit entries the consent area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import ConsentPerm

_see = declarer(ConsentPerm.VIEW)

AUDIT_TYPES = [
    _see("consent_purpose.created", "{actor} added the consent purpose {record}"),
    _see("consent_purpose.updated", "{actor} changed the consent purpose {record}"),
    _see("consent_version.created", "{actor} drafted {record}", RECORD),
    _see("consent_version.updated", "{actor} changed the draft {record}", RECORD),
    _see(
        "consent_version.published",
        "{actor} published {record}",
        ("status", "asks_again", "sha256"),
        label="Consent text published",
    ),
    _see(
        "consent_decision.recorded",
        "{actor} recorded {record}",
        RECORD,
        label="Consent decision recorded",
    ),
    _see("consent_link.created", "{actor} made {record}", RECORD),
    _see("consent_link.used", "{record} was used", fields=("used_at",)),
    _see(
        "consent_reminder.sent",
        "{actor} reminded {record}",
        ("person", "pupil"),
        label="Consent reminder sent",
    ),
]
