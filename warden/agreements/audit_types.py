"""Audit entries the agreements area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import Perm

_see = declarer(Perm.AGREEMENTS_VIEW)

AUDIT_TYPES = [
    _see("agreement.created", "{actor} created the agreement {record}"),
    _see(
        "agreement_version.created",
        "{actor} drafted {record}",
        RECORD,
        label="Agreement version drafted",
    ),
    _see("agreement_version.updated", "{actor} changed the draft {record}", RECORD),
    _see(
        "agreement_version.published",
        "{actor} published {record}",
        ("status", "requires_resign", "sha256"),
    ),
    _see("agreement_settings.updated", "{actor} changed the agreement settings", RECORD),
    _see(
        "signature.recorded",
        "{actor} recorded {person}'s signature of {version}",
        RECORD,
        label="Agreement signed",
    ),
    _see(
        "signature.counter_signed",
        "{actor} recorded {person}'s counter-signature of {version}",
        RECORD,
        label="Agreement counter-signed",
    ),
    _see(
        "signing_link.created", "{actor} made a signing link for {person} to sign {version}", RECORD
    ),
    _see("signing_link.used", "{record} was used", fields=("used_at",)),
    _see(
        "agreement_reminder.sent",
        "{actor} reminded {person} to sign {version}",
        ("person", "version"),
        label="Agreement reminder sent",
    ),
]
