"""Audit entries the filtering and monitoring area writes, as people read them
(``core.audit_registry``). Filtering changes are for those who may see the filtering set-up;
keywords, IP leases and violations for those who may see monitoring."""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm

_filtering = declarer(Perm.FILTERING_VIEW)
_monitoring = declarer(Perm.VIOLATIONS_VIEW)


AUDIT_TYPES = [
    _filtering("filtering.list_imported", "{actor} imported the list {name}"),
    _filtering("filtering.list_updated", "{actor} updated the list {record}"),
    _filtering(
        "filtering.list_removed", "{actor} removed the list {record}", ("is_active", "reason")
    ),
    _filtering("filtering.feed_added", "{actor} added the list {name} to update by itself"),
    _filtering("filtering.entry_added", "{actor} added the entry {record}"),
    _filtering(
        "filtering.entry_removed", "{actor} removed the entry {record}", ("removal_reason",)
    ),
    _filtering("filtering.group_created", "{actor} created the filter group {record}"),
    _filtering("filtering.group_updated", "{actor} changed the filter group {record}"),
    _filtering("filtering.group_deleted", "{actor} removed the filter group {record}", ("reason",)),
    _filtering(
        "filtering.group_categories_changed",
        "{actor} changed which categories {record} blocks",
        label="Categories blocked or allowed changed",
    ),
    _filtering("filtering.schedule_added", "{actor} added a schedule to {record}", ("schedule",)),
    _filtering(
        "filtering.schedule_removed", "{actor} removed a schedule from {record}", ("schedule",)
    ),
    _filtering(
        "filtering.network_added", "{actor} added the network {network} to {record}", ("network",)
    ),
    _filtering(
        "filtering.network_removed",
        "{actor} removed the network {network} from {record}",
        ("network",),
    ),
    _filtering("filtering.assignment_added", "{actor} put {record}"),
    _filtering(
        "filtering.assignment_extended",
        "{actor} kept {record} until {ends_at}",
        ("ends_at", "reason"),
    ),
    _filtering(
        "filtering.assignment_removed", "{actor} took out {record}", ("removed_at", "reason")
    ),
    _filtering("filtering.assignment_lapsed", "{record} ended", ("removed_at",)),
    _filtering(
        "filtering.request_created",
        "{actor} asked to unblock {site}",
        label="Unblock request made",
    ),
    _filtering(
        "filtering.request_approved",
        "{actor} approved the request to {record}",
        ("status", "note"),
        label="Unblock request approved",
    ),
    _filtering(
        "filtering.request_refused",
        "{actor} refused the request to {record}",
        ("status", "note"),
        label="Unblock request refused",
    ),
    _filtering("filtering.exception_created", "{actor} unblocked {record}"),
    _filtering(
        "filtering.exception_revoked",
        "{actor} withdrew the exception for {record}",
        ("revoked_at", "reason"),
    ),
    _monitoring("keyword.created", "{actor} added the keyword {text}"),
    _monitoring("keyword.updated", "{actor} changed the keyword {record}"),
    _monitoring("keyword_exclusion.created", "{actor} excluded {text} from matching"),
    _monitoring("keyword_exclusion.removed", "{actor} removed the exclusion {record}"),
    _monitoring(
        "keywords.imported",
        "{actor} imported {added} keywords from {file}",
        ("file", "format", "added", "already_present", "bad_lines_skipped"),
    ),
    _monitoring(
        "keywords.starter_loaded",
        "{actor} loaded the starter keyword library",
        ("exclusions",),
        label="Starter keyword library loaded",
    ),
    _monitoring(
        "ip_lease.created",
        "{actor} added the IP address lease {record}",
        label="IP address lease added",
    ),
    _monitoring(
        "ip_lease.updated",
        "{actor} changed the IP address lease {record}",
        label="IP address lease changed",
    ),
    _monitoring(
        "ip_lease.removed",
        "{actor} removed the IP address lease {record}",
        label="IP address lease removed",
    ),
    _monitoring(
        "ip_leases.imported",
        "{actor} imported IP address leases from {file}: {created} added, {updated} changed",
        ("file", "created", "updated", "unchanged"),
        label="IP address leases imported",
    ),
    _monitoring(
        "logs.ingested",
        "{actor} read {lines} lines of proxy and DNS logs: {violations_new} new violations",
        ("format", "sources", "lines", "malformed", "violations_new", "interrupted"),
        label="Proxy and DNS logs read",
    ),
    _monitoring(
        "logs.chunk_failed",
        "A chunk of proxy and DNS logs was given up: {reason}",
        ("subject", "chunk", "reason", "deliveries"),
        label="Log chunk given up",
    ),
    _monitoring("violation.recorded", "{actor} recorded the violation {record}"),
    _monitoring(
        "violation.viewed",
        "{actor} read the violation {record}",
        (),
        label="Monitoring violation viewed",
    ),
    _monitoring(
        "violation.context_viewed",
        "{actor} read what the device did around the violation {record}",
        ("rows",),
        label="Requests around a monitoring violation viewed",
    ),
    _monitoring(
        "violation.context_refused",
        "{actor} was refused what the device did around the violation {record}",
        ("refusal",),
        label="Requests around a monitoring violation refused",
    ),
    _monitoring(
        "person.violations_viewed",
        "{actor} read {record}'s monitoring violations",
        ("violations",),
        label="Person's monitoring violations viewed",
    ),
]
