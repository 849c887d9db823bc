"""Audit entries core writes (Warden's users, their roles, schools and sign-ins), as people
read them. ``core.audit_registry`` explains the declarations."""

from __future__ import annotations

from warden.core.audit_registry import RECORD, AuditType

AUDIT_TYPES = [
    AuditType("trust.created", "{actor} set up the trust {record}", fields=RECORD),
    AuditType("school.created", "{actor} added the school {record}", fields=RECORD),
    AuditType(
        "school.password_policy_changed",
        "{actor} changed the password policy of {record}",
        fields=RECORD,
        label="School password policy changed",
    ),
    AuditType(
        "demo.loaded", "{actor} loaded demonstration data", label="Demonstration data loaded"
    ),
    AuditType("user.created", "{actor} gave {record} a Warden sign-in", fields=RECORD),
    AuditType("user.activated", "{actor} let {record} sign in again", fields=("is_active",)),
    AuditType("user.deactivated", "{actor} stopped {record} signing in", fields=("is_active",)),
    AuditType(
        "membership.granted", "{actor} gave {target.user} the role {role}", fields=("user", "role")
    ),
    AuditType(
        "membership.revoked", "{actor} took the role {role} from {user}", fields=("user", "role")
    ),
    AuditType(
        "audit.pruned",
        "{actor} removed {count} audit entries written before {cutoff} (retention: {years} years)",
        fields=("years", "cutoff", "first", "last", "count"),
        label="Audit trail entries removed under retention",
    ),
    AuditType(
        "list.exported",
        "{actor} downloaded the {list} list as {format}: {rows} rows, filters {filters}",
        fields=("list", "format", "filters", "rows"),
        label="List downloaded",
    ),
    AuditType("user.signed_in", "{actor} signed in"),
    AuditType("user.signed_out", "{actor} signed out"),
    AuditType(
        "user.sign_in_failed",
        "Someone failed to sign in as {username}",
        fields=("username",),
        label="Sign-in failed",
    ),
    AuditType(
        "user.locked_out",
        "{record} was locked out after too many failed sign-ins",
        fields=("username",),
    ),
    AuditType("user.unlocked", "{actor} unlocked {record}'s sign-in"),
    AuditType("user.password_changed", "{actor} changed their password"),
    AuditType("user.password_reset", "{actor} gave {record} a temporary password"),
    AuditType(
        "user.second_factor_passed",
        "{actor} passed the second factor",
        label="Second factor passed",
    ),
    AuditType(
        "user.second_factor_failed",
        "{actor} entered a wrong second-factor code",
        label="Wrong second-factor code entered",
    ),
    AuditType(
        "user.two_factor_enrolled", "{actor} set up an authenticator", label="Authenticator set up"
    ),
    AuditType(
        "user.two_factor_reset",
        "{actor} reset {record}'s authenticator",
        label="Authenticator reset",
    ),
    AuditType(
        "school.second_factor_exemptions_changed",
        "{actor} changed which roles at {record} may sign in without a second factor",
        fields=RECORD,
        label="Second-factor exemptions changed",
    ),
]
