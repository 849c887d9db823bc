"""Audit entries the backups area writes, as people read them (``core.audit_registry``).

Backups are of the whole site; those who run Warden for a school (the right to configure it)
read them, as they see the backups panel.
"""

from __future__ import annotations

from warden.core.audit_registry import AuditType
from warden.core.roles import Perm


def _backup(action: str, sentence: str, *fields: str, label: str = "") -> AuditType:
    return AuditType(action, sentence, fields=fields, perm=Perm.SCHOOL_CONFIGURE, label=label)


AUDIT_TYPES = [
    _backup("backup.written", "{actor} wrote the backup {file} ({size} bytes)", "file", "size"),
    _backup("backup.failed", "{actor} could not write a backup: {problem}", "file", "problem"),
    _backup(
        "backup.pruned",
        "{actor} removed old backups, keeping the newest {kept}",
        "files",
        "kept",
        label="Old backups removed",
    ),
    _backup(
        "backup.restored",
        "{actor} restored this site from the backup {file} written {written_at}",
        "file",
        "written_at",
        label="Site restored from a backup",
    ),
]
