"""Monitoring asks ``collect("monitoring_gates", "STAFF_CONTEXT")`` before showing what a
member of staff's device did around a violation; each callable takes the viewer, the
violation and the member of staff, and says whether a monitoring authorisation lets the
viewer see it (staff are monitored only with authorisation, docs/policy-map.md)."""

from __future__ import annotations

import datetime as dt

from warden.core.models import User
from warden.incidents.models import MonitoringAuthorisation
from warden.incidents.services.authorisations import search_refusal_for, today_at
from warden.monitoring.models import Violation
from warden.people.models import Person


def authorised_for_context(actor: User, violation: Violation, subject: Person) -> bool:
    """True when ``actor`` is the investigator of an authorisation for ``subject`` in force
    today whose period of history covers the violation's moment."""
    moment = violation.ts.astimezone(dt.UTC).date()
    for authorisation in MonitoringAuthorisation.objects.filter(
        school_id=violation.school_id, subject=subject, investigator=actor
    ).select_related("school", "subject", "investigator"):
        if search_refusal_for(actor, authorisation, today_at(authorisation.school)):
            continue
        if authorisation.history_from and moment < authorisation.history_from:
            continue
        if authorisation.history_to and moment > authorisation.history_to:
            continue
        return True
    return False


STAFF_CONTEXT = [authorised_for_context]
