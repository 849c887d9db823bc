"""Policy duty "Repeated breaches escalate" (docs/policy-map.md): repeated breaches are
proposed one level up, with the rule shown."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from warden.incidents import rules
from warden.incidents.models import IncidentKind, Part, Severity
from warden.incidents.selectors import escalation_proposals
from warden.incidents.services.incidents import (
    incident_close,
    incident_report,
    incident_set_severity,
)
from warden.incidents.services.steps import step_complete

LONDON = dt.UTC


def _breach(actor, school, person, severity=""):
    incident = incident_report(
        actor=actor,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Disruptive behaviour in the ICT suite",
        description="Kept switching other pupils' monitors off.",
        people=[(person, Part.SUBJECT)],
    )
    if severity:
        incident = incident_set_severity(actor=actor, incident=incident, severity=severity)
    return incident


def test_a_second_minor_breach_within_12_months_is_proposed_as_moderate(
    school, dsl, pupil, client_for
):
    with time_machine.travel(dt.datetime(2026, 1, 12, 10, tzinfo=LONDON), tick=False):
        first = _breach(dsl, school, pupil, Severity.MINOR)
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=LONDON), tick=False):
        second = _breach(dsl, school, pupil)
        (proposal,) = escalation_proposals(second)
        assert proposal.proposal.severity == Severity.MODERATE
        assert proposal.proposal.because == (f"{first.reference} (minor, 12/01/2026)",)
        page = client_for(dsl).get(reverse("incidents:detail", kwargs={"incident_pk": second.pk}))
    assert "Proposed: Moderate" in page.content.decode()
    assert "Repeated minor breaches within the above detailed 12 month period" in (
        page.content.decode()
    )


def test_a_minor_breach_more_than_12_months_later_is_not_escalated(school, dsl, pupil):
    with time_machine.travel(dt.datetime(2025, 1, 10, 10, tzinfo=LONDON), tick=False):
        _breach(dsl, school, pupil, Severity.MINOR)
    with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=LONDON), tick=False):
        later = _breach(dsl, school, pupil)
        assert escalation_proposals(later) == []


def test_a_repeated_moderate_breach_is_proposed_as_severe(school, dsl, pupil):
    with time_machine.travel(dt.datetime(2024, 3, 1, 10, tzinfo=LONDON), tick=False):
        _breach(dsl, school, pupil, Severity.MODERATE)
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=LONDON), tick=False):
        again = _breach(dsl, school, pupil, Severity.MODERATE)
        (proposal,) = escalation_proposals(again)
    assert proposal.proposal.severity == Severity.SEVERE
    assert proposal.proposal.words == rules.REPEATED_MODERATE_WORDS


def test_breaches_not_upheld_do_not_count(school, dsl, pupil):
    with time_machine.travel(dt.datetime(2026, 2, 2, 10, tzinfo=LONDON), tick=False):
        first = _breach(dsl, school, pupil, Severity.MINOR)
        for step in first.steps.all():
            step_complete(actor=dsl, step=step, note="Done at once")
        incident_close(
            actor=dsl, incident=first, outcome="not_upheld", notes="It was someone else."
        )
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=LONDON), tick=False):
        assert escalation_proposals(_breach(dsl, school, pupil)) == []


def test_accepting_the_proposal_quotes_the_rule_in_the_chronology(school, dsl, pupil):
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, tzinfo=LONDON), tick=False):
        _breach(dsl, school, pupil, Severity.MINOR)
    with time_machine.travel(dt.datetime(2026, 6, 4, 10, tzinfo=LONDON), tick=False):
        second = _breach(dsl, school, pupil)
        incident_set_severity(actor=dsl, incident=second, severity=Severity.MODERATE)
    last = second.chronology.order_by("-at", "-pk").first()
    assert last is not None
    assert "ICT Security Policy, Appendix C" in last.text
    assert "Repeated minor breaches" in last.text


def test_twelve_months_counts_calendar_months():
    assert rules.add_months(dt.date(2026, 2, 28), 12) == dt.date(2027, 2, 28)
    assert rules.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert rules.verbal_warning_lapses_on(dt.date(2026, 9, 1)) == dt.date(2027, 9, 1)
