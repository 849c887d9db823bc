"""Audit entries the records area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import RecordsPerm

_sar = declarer(RecordsPerm.SAR)
_retention = declarer(RecordsPerm.RETENTION)
_dpo = declarer(None)

AUDIT_TYPES = [
    _dpo("dpo_contact.set", "{actor} named the data protection officer {record}", RECORD),
    _sar("subject_access.logged", "{actor} logged the subject access request {record}"),
    _sar(
        "subject_access.extended",
        "{actor} extended {record} to {extended_to}",
        ("extended_to", "extension_reason"),
    ),
    _sar(
        "subject_access.identity_checked",
        "{actor} checked the identity of the person asking for {record}",
        ("identity_method",),
    ),
    _sar("subject_access.generated", "{actor} generated the bundle of {record}", ("sections",)),
    _sar(
        "subject_access.item_excluded", "{actor} left an item out of {record}", ("item", "reason")
    ),
    _sar("subject_access.item_included", "{actor} put an item back into {record}", ("item",)),
    _sar("subject_access.reviewed", "{actor} reviewed the bundle of {record}", ("excluded",)),
    _sar(
        "subject_access.released",
        "{actor} released the bundle of {record}",
        ("released_via", "released_at"),
    ),
    _sar("subject_access.downloaded", "{actor} downloaded the bundle of {record}", ()),
    _sar(
        "subject_access.exported",
        "{actor} exported everything held about {record}",
        ("sections",),
        label="Person's records exported",
    ),
    _retention(
        "retention_setting.updated",
        "{actor} changed how long {record} is kept",
        ("record_type", "months"),
    ),
    _retention(
        "retention_run.found",
        "{actor} listed what the retention schedule has due ({record})",
        ("due", "held"),
    ),
    _retention("retention_run.cancelled", "{actor} cancelled {record}", ()),
    _retention(
        "retention_run.removed",
        "{actor} approved {record}: {record_type} removed under its rule",
        ("record_type", "rule", "removed", "count"),
        label="Records removed under retention",
    ),
]
