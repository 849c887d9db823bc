"""Audit entries the remote-access area writes, as people read them (``core.audit_registry``).

Remote-access logs name who connected from where; like proxy and DNS logs they are for
those who may ingest logs (``Perm.LOGS_INGEST``: the ICT manager, the headteacher and the
trust administrator), as the policy keeps logs "available only to authorised systems
personnel" (policy duty "Logs only for systems personnel", docs/policy-map.md).
"""

from __future__ import annotations

from warden.core.audit_registry import RECORD, declarer
from warden.core.roles import Perm

_logs = declarer(Perm.LOGS_INGEST)

AUDIT_TYPES = [
    _logs(
        "remote_access.ingested",
        "{actor} read {events} remote-access events from {file} ({format})",
        ("file", "format", "events", "malformed", "offset"),
        label="Remote-access log read",
    ),
    _logs(
        "remote_access.alert_opened",
        "{actor} raised an alert: {failed_count} failed remote-access attempts for {subject}",
        ("subject", "failed_count", "window_start", "to"),
        label="Remote-access alert raised",
    ),
    _logs(
        "remote_access.alert_acknowledged",
        "{actor} acknowledged {record}: {note}",
        ("note",),
        label="Remote-access alert acknowledged",
    ),
    _logs(
        "remote_access.settings_changed",
        "{actor} changed when failed remote-access attempts raise an alert",
        RECORD,
        label="Remote-access alert rule changed",
    ),
]
