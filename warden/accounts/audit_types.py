"""Audit entries the accounts area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, AuditType, declarer
from warden.core.roles import Perm

_see = declarer(
    Perm.ACCOUNTS_VIEW, shorthand={"account": "{target.person}'s account on {target.system}"}
)


AUDIT_TYPES = [
    _see("account.created", "{actor} added {account}"),
    _see("account.requested", "{actor} asked for {account}"),
    _see("account.approved", "{actor} approved {account}"),
    _see("account.activated", "{actor} activated {account}"),
    _see("account.suspended", "{actor} suspended {account}"),
    _see("account.disabled", "{actor} disabled {account}"),
    _see("account.reenabled", "{actor} re-enabled {account}"),
    _see("account.deleted", "{actor} recorded {account} as deleted"),
    _see("account.expiry_set", "{actor} set when {account} expires"),
    _see(
        "account.removal_deadline_set",
        "{actor} set the removal deadline of {account} to {removal_deadline}",
        label="Account removal deadline set",
    ),
    _see(
        "account.overdue_notified",
        "{actor} reported {account} as past its removal deadline",
        label="Overdue account removal reported",
    ),
    _see(
        "hand_suspension.listed",
        "{actor} listed {target.account} for suspending by hand: {reason}",
        ("account", "reason"),
        label="Account listed for suspending by hand",
    ),
    _see(
        "hand_suspension.done",
        "{actor} confirmed {target.account} was suspended by hand",
        RECORD,
        label="Account suspended by hand",
    ),
    _see(
        "hand_disable.listed",
        "{actor} listed {target.account} for disabling by hand: {reason}",
        ("account", "reason", "step"),
        label="Account listed for disabling by hand",
    ),
    _see(
        "hand_disable.done",
        "{actor} confirmed {target.account} was disabled by hand",
        RECORD,
        label="Account disabled by hand",
    ),
    _see("accounts_settings.updated", "{actor} changed the account settings", RECORD),
    _see("system.created", "{actor} added the system {record}"),
    _see("system.updated", "{actor} changed the system {record}"),
    _see(
        "system.remote_people_set",
        "{actor} changed who outside the school may have an account on {record}",
        ("remote_people",),
    ),
    _see(
        "leaver.completed",
        "{actor} completed the leaving of {record}",
        ("completed_at",),
        label="Leaver's checklist completed",
    ),
    _see(
        "access_review.recorded",
        "{actor} recorded a review of who has access to {target.system}",
        RECORD,
    ),
    _see(
        "supply_password.changed",
        "{actor} recorded a change of the shared supply password on {target.system}",
        RECORD,
    ),
    _see(
        "directory_sync.planned",
        "{actor} planned a directory sync of {target.system}",
        ("changes",),
    ),
    _see(
        "directory_sync.applied",
        "{actor} applied a directory sync of {target.system}",
        ("applied",),
    ),
    _see(
        "directory_sync.failed",
        "A directory sync of {target.system} started by {actor} failed",
        ("applied",),
    ),
    AuditType(
        "api_token.created",
        "{actor} created the access token {name}",
        fields=("name", "prefix", "scopes", "expires_at"),
        label="Access token created",
    ),
    AuditType(
        "api_token.revoked",
        "{actor} revoked the access token {record}",
        fields=("revoked",),
        label="Access token revoked",
    ),
    AuditType(
        "user.password_breached",
        "{actor} signed in with a password known from a data breach and must change it",
        label="Breached password must be changed",
    ),
    AuditType(
        "user.password_expired",
        "{actor} signed in with an expired password and must change it",
        label="Expired password must be changed",
    ),
    _see(
        "password_reminder.sent",
        "{actor} reminded {record} to change their password on {systems}",
        ("systems",),
        label="Password change reminder sent",
    ),
]
