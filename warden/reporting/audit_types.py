"""Audit entries the reporting area writes, as people read them (``core.audit_registry``)."""

from __future__ import annotations

from warden.core.audit_registry import declarer
from warden.core.roles import Perm, ReportingPerm

_terms = declarer(ReportingPerm.TERMS_MANAGE)
_reports = declarer(Perm.REPORTS_VIEW)

AUDIT_TYPES = [
    _terms(
        "term_calendar.updated",
        "{actor} set the term dates of {period}",
        ("period", "terms"),
        label="Term dates set",
    ),
    _reports(
        "reports.governors_viewed",
        "{actor} read the governors' report for {period}",
        ("period", "format"),
        label="Governors' report read",
    ),
    _reports(
        "reports.trust_viewed",
        "{actor} read the trust's governors' report for {period}",
        ("period", "format"),
        label="Trust report read",
    ),
]
