"""Audit entries the incidents area writes, as people read them (``core.audit_registry``).

Entries about incidents are for those who may read the incident log; triage for those who
triage; staff monitoring authorisations, which name a member of staff under examination, for
those who handle incidents.
"""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm

# Changes that hold keys of other records, so they are shown by name.
_PERSON = {"person": "people.person"}
_VIOLATIONS = {"violations": "monitoring.violation"}
_incident = declarer(Perm.INCIDENTS_VIEW, refs=_PERSON)
_linked = declarer(Perm.INCIDENTS_VIEW, refs=_VIOLATIONS)
_triage = declarer(Perm.VIOLATIONS_TRIAGE)
_alerts = declarer(Perm.VIOLATIONS_TRIAGE, refs=_VIOLATIONS)
_staff = declarer(Perm.INCIDENTS_MANAGE)
_reports = declarer(Perm.REPORTS_VIEW)


AUDIT_TYPES = [
    _incident("incident.reported", "{actor} reported {record}"),
    _incident("incident.viewed", "{actor} read {record}", (), label="Incident viewed"),
    _incident("incident.report_viewed", "{actor} read the report of {record}", ()),
    _incident("incident.technical_viewed", "{actor} read the technical part of {record}", ()),
    _incident("incident.chronology_added", "{actor} added to the chronology of {record}", ()),
    _incident(
        "incident.person_added", "{actor} added {person} to {record} as {part}", ("person", "part")
    ),
    _incident(
        "incident.person_removed", "{actor} took a person out of {record}", ("person", "part")
    ),
    _incident("incident.severity_set", "{actor} set the severity of {record} to {severity}"),
    _incident("incident.status_changed", "{actor} moved {record} to {status}"),
    _incident("incident.playbook_applied", "{actor} applied a playbook to {record}", ()),
    _incident("incident.closed", "{actor} closed {record}"),
    _incident("incident.reopened", "{actor} reopened {record}"),
    _linked("incident.violations_linked", "{actor} linked violations to {record}", ("violations",)),
    _incident("incident.step_done", "{actor} ticked a playbook step of {record}", ("note",)),
    _incident(
        "incident.access_granted",
        "{actor} let {user} read {record}: {reason}",
        ("user", "reason"),
    ),
    _incident(
        "incident.access_revoked", "{actor} took {user} off {record}'s access list", ("user",)
    ),
    _incident(
        "incident_log.viewed", "{actor} read the incident log", (), label="Incident log viewed"
    ),
    _incident(
        "anti_bullying_log.viewed",
        "{actor} read the anti-bullying log",
        (),
        label="Anti-bullying log viewed",
    ),
    _incident(
        "person.incidents_viewed",
        "{actor} read the incidents {record} is part of",
        label="Person's incidents viewed",
    ),
    _incident("evidence.added", "{actor} added the evidence {record}"),
    _incident("evidence.superseded", "{actor} replaced evidence with {record}"),
    _incident("evidence.downloaded", "{actor} downloaded the evidence {record}", ()),
    _incident(
        "evidence.mismatch",
        "The evidence {record} no longer matched its checksum when {actor} opened it",
        (),
        label="Evidence checksum did not match",
    ),
    _incident("sanction.recorded", "{actor} recorded a sanction: {record}"),
    _incident("sanction.ended", "{actor} ended the sanction {record}", ("state", "why")),
    _incident("sanction.lapsed", "The sanction {record} ended on its date", ("state", "why")),
    _incident(
        "incidents.weekly_report_sent",
        "{actor} sent the weekly safeguarding report to {sent_to}",
        ("sent_to", "violations"),
        label="Weekly safeguarding report sent",
    ),
    _reports(
        "reports.termly_viewed",
        "{actor} read the termly report for {period}",
        ("period",),
        label="Termly report viewed",
    ),
    _reports(
        "reports.weekly_viewed",
        "{actor} read the weekly report to {week_ending}",
        ("week_ending",),
        label="Weekly report viewed",
    ),
    _triage("triage_queue.viewed", "{actor} read the triage queue", label="Triage queue viewed"),
    _triage("violation.triaged", "{actor} triaged {record}: {state}", ("state",)),
    _alerts(
        "violations.alerted",
        "{actor} alerted {sent_to} to urgent monitoring violations",
        ("violations", "sent_to"),
        label="DSL alerted to monitoring violations",
    ),
    _triage(
        "violations.digest_sent",
        "{actor} sent the daily triage digest: {violations} new, {overdue} overdue",
        ("violations", "overdue"),
        label="Daily triage digest sent",
    ),
    _staff(
        "staff_monitoring.requested", "{actor} asked to examine {subject}'s internet use: {record}"
    ),
    _staff("staff_monitoring.approved", "{actor} approved {record}", ("status", "note")),
    _staff("staff_monitoring.refused", "{actor} refused {record}", ("status", "note")),
    _staff("staff_monitoring.ended", "{actor} ended {record}", ("status", "reason")),
    _staff("staff_monitoring.reviewed", "{actor} reviewed {record}", ()),
    _staff("staff_monitoring.viewed", "{actor} read {record}", ()),
    _staff("staff_monitoring.searched", "{actor} searched under {record}", ("rows",)),
    _staff(
        "staff_monitoring.search_refused",
        "{actor} was refused a search under {record}",
        ("refusal",),
        label="Staff monitoring search refused",
    ),
]
