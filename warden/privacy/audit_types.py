"""Audit entries the data-protection area writes, as people read them
(``core.audit_registry``). Entries about breaches are for those who keep the breach log;
the register's for those who may see it; wipes and off-site permissions likewise."""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm, PrivacyPerm

_breach = declarer(PrivacyPerm.BREACHES)
_processor = declarer(PrivacyPerm.PROCESSORS_VIEW, refs={"person": "people.person"})
_media = declarer(Perm.EQUIPMENT_VIEW)
_off_site = declarer(PrivacyPerm.OFF_SITE_VIEW, refs={"person": "people.person"})

AUDIT_TYPES = [
    _breach("breach.opened", "{actor} opened the data breach {record}"),
    _breach("breach.viewed", "{actor} read {record}", (), label="Data breach viewed"),
    _breach(
        "breach.aware_changed",
        "{actor} changed when the school became aware of {record}: {aware_reason}",
    ),
    _breach("breach.assessed", "{actor} answered the risk questions of {record}"),
    _breach("breach.decided", "{actor} decided on reporting {record}: {decision}"),
    _breach("breach.informed", "{actor} recorded who was told of {record}", ("party", "how")),
    _breach("breach.action_added", "{actor} added an action to {record}", ("text", "due_on")),
    _breach("breach.action_done", "{actor} marked an action of {record} done", ("action",)),
    _breach("breach.noted", "{actor} added a note to {record}", ()),
    _breach("breach.closed", "{actor} closed {record}", ("state",)),
    _breach("breach.alerted", "The SIRO and the DPO were alerted about {record}", ("to",)),
    _processor("processor.recorded", "{actor} wrote the data-protection record of {record}"),
    _processor("processor.approved", "{actor} approved the data-protection record of {record}"),
    _processor(
        "processor.approval_withdrawn",
        "{actor} withdrew approval of the data-protection record of {record}",
    ),
    _processor(
        "processor.override_granted",
        "{actor} let {person} use {system} without an approved record: {reason}",
        ("person", "system", "reason"),
    ),
    _media("media.wiped", "{actor} recorded a secure wipe of {record}", ("method", "note")),
    _off_site("off_site.granted", "{actor} gave permission: {record}"),
    _off_site("off_site.revoked", "{actor} withdrew the permission: {record}", ("revoked_at",)),
]
