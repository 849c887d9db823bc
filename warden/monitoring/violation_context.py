"""What else the device did around a violation: every request from the same client address,
or attributed to the same person, in the minutes either side of it, read from the log
archive with DuckDB (:func:`warden.engine.investigate.device_context`).

Need-to-know, on top of seeing the violation itself (``monitoring.violations``):

- a member of staff's browsing is examined only under a monitoring authorisation in force
  (docs/policy-map.md, "Staff monitored only with authorisation"). When the violation is
  attributed to a member of staff, the context is shown only to the investigator named in
  an approved internet authorisation for them that is in force today and whose period of
  use covers the moment; everyone else is told why not;
- around anyone else's violation (a pupil's, or one attributed to no one), requests the
  archive attributes to a member of staff are left out, and the page says how many.

Every reading is audited (``violation.context_viewed``: the window and how many rows were
shown); so is every refusal (``violation.context_refused``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from warden.core.audit import audit_log
from warden.core.models import User
from warden.core.registry import collect
from warden.engine import investigate
from warden.monitoring.ingestion import archive_root
from warden.monitoring.models import Violation
from warden.people.models import STAFF_TYPES, Person

MINUTES = 10
"""How far either side of the violation the context reaches."""

LIMIT = 500
"""The most requests shown; the total in the window is given besides."""

STAFF_REFUSAL = (
    "This violation is attributed to a member of staff. What else their device did is "
    "shown only to the investigator named in a monitoring authorisation in force for them "
    "(staff are monitored only with authorisation)."
)


@dataclass
class ViolationContext:
    since: dt.datetime
    until: dt.datetime
    refusal: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    staff_hidden: int = 0

    @property
    def shown(self) -> bool:
        return not self.refusal


def _staff_subject(violation: Violation) -> Person | None:
    person = violation.person
    return person if person is not None and person.person_type in STAFF_TYPES else None


def staff_refusal(actor: User, violation: Violation) -> str | None:
    """Why ``actor`` may not see around a member of staff's violation (None: they may, or
    the violation is not a member of staff's)."""
    subject = _staff_subject(violation)
    if subject is None:
        return None
    # The incidents area owns monitoring authorisations and offers the check through
    # ``<app>/monitoring_gates.py`` (``STAFF_CONTEXT``): without one, nobody is authorised.
    for authorised in collect("monitoring_gates", "STAFF_CONTEXT"):
        if authorised(actor, violation, subject):
            return None
    return STAFF_REFUSAL


def violation_context(*, actor: User, violation: Violation) -> ViolationContext:
    """The requests around ``violation`` that ``actor`` may see (the caller has checked that
    they may see the violation), audited."""
    span = dt.timedelta(minutes=MINUTES)
    context = ViolationContext(since=violation.ts - span, until=violation.ts + span)
    refusal = staff_refusal(actor, violation)
    if refusal:
        audit_log(
            actor=actor,
            action="violation.context_refused",
            obj=violation,
            changes={"refusal": [None, refusal]},
        )
        context.refusal = refusal
        return context
    found = investigate.device_context(
        archive_root(),
        violation.school.slug,
        violation.ts,
        client_ip=violation.client_ip or None,
        person_id=str(violation.person_id) if violation.person_id else None,
        minutes=MINUTES,
        limit=LIMIT,
    )
    subject = str(violation.person_id) if violation.person_id else None
    attributed = {row["person_id"] for row in found.rows if row["person_id"]} - {subject}
    staff = {
        str(pk)
        for pk in Person.objects.filter(
            school_id=violation.school_id,
            pk__in=[int(pk) for pk in attributed if pk.isdigit()],
            person_type__in=STAFF_TYPES,
        ).values_list("pk", flat=True)
    }
    context.rows = [row for row in found.rows if row["person_id"] not in staff]
    for row in context.rows:
        row["is_alert"] = row["ts"] == violation.ts and row["url"] == violation.url
        row["blocked"] = row["decision"] == "denied"
    context.staff_hidden = len(found.rows) - len(context.rows)
    context.total = found.total - context.staff_hidden
    audit_log(
        actor=actor,
        action="violation.context_viewed",
        obj=violation,
        changes={
            "window": [
                None,
                {"since": context.since.isoformat(), "until": context.until.isoformat()},
            ],
            "rows": [None, len(context.rows)],
            "staff_hidden": [None, context.staff_hidden],
        },
    )
    return context
