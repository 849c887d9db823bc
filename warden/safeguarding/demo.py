"""Demo welfare concern: one per school, raised from a demo pupil's self-harm or suicide alert.

Written through the services (so audited), as the school's DSL, with made-up circumstances
about the demo school's own synthetic pupil. A school that already has a concern is left
alone, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt

from warden.core.models import School, User
from warden.engine.categories import proposed_route
from warden.incidents.models import OPEN_TRIAGE_STATES
from warden.monitoring.models import Violation
from warden.safeguarding import services
from warden.safeguarding.models import WelfareConcern


def load_safeguarding(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if WelfareConcern.objects.filter(school=school).exists():
        return {}
    dsl = User.objects.filter(memberships__school=school, memberships__role="dsl").first()
    if dsl is None:
        return {}
    candidates = [
        v
        for v in Violation.objects.filter(school=school, person__isnull=False)
        .select_related("school", "person", "triage")
        .order_by("-severity", "pk")
        if proposed_route(v.category) == "welfare"
        and (not hasattr(v, "triage") or v.triage.state in OPEN_TRIAGE_STATES)
    ]
    if not candidates:
        return {}
    concern = services.concern_from_violations(actor=dsl, violations=candidates[:1])
    services.concern_assess(
        actor=dsl,
        concern=concern,
        category=concern.category,
        assessment="Low mood after a falling-out with friends; no plan to act. Support in "
        "school and a check-in each week.",
        review_on=today + dt.timedelta(days=14),
    )
    services.concern_record_actions(
        actor=dsl,
        concern=concern,
        spoke_to_pupil_on=today,
        spoke_to_pupil_note="Said they had been curious after a video shared in a group chat.",
        parents="informed",
        parents_on=today,
        parents_not_informed_reason="",
    )
    services.referral_add(
        actor=dsl, concern=concern, agency="counsellor", made_on=today, note="Weekly sessions."
    )
    return {"welfare concerns": 1}


LOADERS = [load_safeguarding]
