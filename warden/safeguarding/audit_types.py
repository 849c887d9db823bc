"""Audit entries about welfare concerns, as people read them (``core.audit_registry``).

Welfare concerns are confidential to the DSL and deputies, so are these entries: even a
headteacher reading the audit trail does not see that a concern exists.
"""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm

_concern = declarer(Perm.WELFARE_VIEW, refs={"violations": "monitoring.violation"})


AUDIT_TYPES = [
    _concern("welfare_concern.raised", "{actor} raised {record}"),
    _concern("welfare_concern.reported", "{actor} told the DSL of a worry about a child: {record}"),
    _concern("welfare_concern.viewed", "{actor} read {record}", ()),
    _concern("welfare_concern.exported_pdf", "{actor} printed {record}", ()),
    _concern("welfare_concern.exported_csv", "{actor} exported {record} as CSV", ()),
    _concern("welfare_concerns.listed", "{actor} read the list of welfare concerns", ("status",)),
    _concern("welfare_concern.assessed", "{actor} assessed {record}"),
    _concern("welfare_concern.actions_recorded", "{actor} recorded actions on {record}"),
    _concern(
        "welfare_concern.referred",
        "{actor} recorded a referral of {record} to {agency} on {made_on}",
        ("agency", "made_on", "reference"),
    ),
    _concern("welfare_concern.note_added", "{actor} added to the chronology of {record}", ()),
    _concern("welfare_concern.linked", "{actor} linked records to {record}"),
    _concern("welfare_concern.closed", "{actor} closed {record}"),
    _concern("welfare_concern.step_done", "{actor} ticked a playbook step of {record}", ("note",)),
    _concern(
        "welfare_concern.access_granted",
        "{actor} let {user} read {record}: {reason}",
        ("user", "reason"),
    ),
    _concern(
        "welfare_concern.access_revoked",
        "{actor} took {user} off {record}'s access list",
        ("user",),
    ),
    _concern("safeguarding_settings.changed", "{actor} changed the safeguarding settings"),
]
