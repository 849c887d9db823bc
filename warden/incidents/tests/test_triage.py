"""Triage of monitoring violations (policy duty "Violations assessed daily",
docs/policy-map.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from warden.cli import main as warden
from warden.core.models import AuditEntry
from warden.incidents import rules
from warden.incidents.models import Incident, Part, Triage, TriageState
from warden.incidents.selectors import triage_overdue
from warden.incidents.services.triage import violations_received
from warden.testing.clients import committed

from .object_makers import violation_at

FRIDAY_10AM = dt.datetime(2026, 2, 6, 10, 0, tzinfo=dt.UTC)  # GMT: London time


def test_triage_is_overdue_after_one_school_day_and_weekends_do_not_count(school, dsl, client_for):
    with time_machine.travel(FRIDAY_10AM, tick=False):
        friday = violation_at(school, severity=2)
    with time_machine.travel(dt.datetime(2026, 2, 7, 11, 0, tzinfo=dt.UTC), tick=False):
        saturday = violation_at(school, severity=2)

    def overdue_at(when: dt.datetime) -> set[int]:
        return set(triage_overdue(school, now=when).values_list("violation_id", flat=True))

    assert overdue_at(dt.datetime(2026, 2, 8, 23, 0, tzinfo=dt.UTC)) == set()  # Sunday
    assert overdue_at(dt.datetime(2026, 2, 9, 9, 59, tzinfo=dt.UTC)) == set()  # Monday
    assert overdue_at(dt.datetime(2026, 2, 9, 10, 1, tzinfo=dt.UTC)) == {friday.pk}
    assert overdue_at(dt.datetime(2026, 2, 9, 23, 59, tzinfo=dt.UTC)) == {friday.pk}
    assert overdue_at(dt.datetime(2026, 2, 10, 0, 1, tzinfo=dt.UTC)) == {friday.pk, saturday.pk}
    assert rules.triage_due_at(friday.created_at, "Europe/London") == dt.datetime(
        2026, 2, 9, 10, 0, tzinfo=dt.UTC
    )

    with time_machine.travel(dt.datetime(2026, 2, 9, 10, 30, tzinfo=dt.UTC), tick=False):
        page = client_for(dsl).get(reverse("incidents:triage")).content.decode()
        assert "Triage overdue:" in page and "1 unviewed violation is older" in page
        client_for(dsl).get(reverse("incidents:triage_detail", args=[friday.pk]))
        assert not triage_overdue(school).filter(violation=friday).exists()  # viewing counts


def test_a_severity_5_violation_emails_the_dsl_at_once_and_only_once(school, dsl, deputy, teacher):
    urgent = violation_at(school, severity=5, category="self-harm")
    routine = violation_at(school, severity=2)
    with committed():
        result = violations_received(school=school, violation_ids=[urgent.pk, routine.pk])
    assert result == {"received": 2, "alerted": 1, "emails": 2}
    (message,) = mail.outbox
    assert set(message.to) == {"dsl@example.org", "deputy@example.org"}
    assert "severity 5" in message.subject
    assert "Zebedee" not in message.body  # who and what stay in Warden
    with committed():
        violations_received(school=school, violation_ids=[urgent.pk, routine.pk])
    assert len(mail.outbox) == 1
    assert Triage.objects.filter(violation__in=[urgent, routine]).count() == 2


def test_the_daily_digest_covers_the_rest_once(school, dsl, capsys):
    urgent = violation_at(school, severity=4)
    routine = violation_at(school, severity=2)
    violations_received(school=school, violation_ids=[urgent.pk, routine.pk])
    mail.outbox.clear()
    with committed():
        warden(["incidents", "digest", "--school", school.slug])
    (digest,) = mail.outbox
    assert "1 new violation(s) to triage" in digest.body and "severity 2: 1" in digest.body
    with committed():
        warden(["incidents", "digest", "--school", school.slug])
    assert len(mail.outbox) == 1
    assert "0 violation(s) in the digest" in capsys.readouterr().out


def test_the_weekly_report_goes_to_the_siro_and_headteacher(school, dsl, siro, headteacher):
    violation_at(school, severity=3, category="bullying")
    with committed():
        warden(["incidents", "weekly-report", "--school", school.slug])
    (report,) = mail.outbox
    assert set(report.to) == {"siro@example.org", "head@example.org"}
    assert "Violations found: 1" in report.body and "bullying: 1" in report.body
    assert AuditEntry.objects.filter(action="incidents.weekly_report_sent").exists()


def test_bulk_no_action_needs_a_reason_and_archives_them(school, dsl, client_for):
    a, b = violation_at(school), violation_at(school)
    client = client_for(dsl)
    act = reverse("incidents:triage_act")
    page = client.post(
        act, {"violation": [a.pk, b.pk], "action": TriageState.NO_ACTION}, follow=True
    )
    assert "Say why no action is needed" in page.content.decode()
    client.post(
        act,
        {"violation": [a.pk, b.pk], "action": TriageState.NO_ACTION, "reason": "Song lyrics"},
    )
    states = set(Triage.objects.values_list("state", "reason"))
    assert states == {(TriageState.NO_ACTION, "Song lyrics")}
    assert AuditEntry.objects.filter(action="violation.triaged").count() == 2


def test_a_false_positive_can_add_a_keyword_exclusion(school, dsl, client_for):
    from warden.monitoring.models import KeywordExclusion

    v = violation_at(school, matched_text="scunthorpe")
    client_for(dsl).post(
        reverse("incidents:triage_act"),
        {
            "violation": [v.pk],
            "action": TriageState.FALSE_POSITIVE,
            "reason": "A town name",
            "add_exclusion": "on",
        },
    )
    assert Triage.objects.get(violation=v).state == TriageState.FALSE_POSITIVE
    assert KeywordExclusion.objects.filter(school=school, text="scunthorpe").exists()


def test_escalating_violations_opens_an_incident_with_the_pupil_as_subject(
    school, dsl, pupil, client_for
):
    v1 = violation_at(school, severity=4, person=pupil, category="bullying")
    v2 = violation_at(school, severity=3, person=pupil, category="bullying")
    response = client_for(dsl).post(
        reverse("incidents:triage_act"),
        {
            "violation": [v1.pk, v2.pk],
            "action": "escalate_new",
            "kind": "cyberbullying",
            "title": "Searches about a classmate",
        },
    )
    incident = Incident.objects.get()
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    assert set(incident.violations.values_list("pk", flat=True)) == {v1.pk, v2.pk}
    assert incident.involvements.get().part == Part.SUBJECT
    assert incident.steps.filter(playbook="bullying").exists()
    assert set(Triage.objects.values_list("state", flat=True)) == {TriageState.ESCALATED}

    v3 = violation_at(school, severity=2, person=pupil)
    client_for(dsl).post(
        reverse("incidents:triage_act"),
        {"violation": [v3.pk], "action": "escalate_join", "incident": incident.pk},
    )
    assert incident.violations.count() == 3


def test_an_escalation_with_no_title_is_named_after_the_category_in_words(
    school, dsl, pupil, client_for
):
    violation = violation_at(school, severity=4, person=pupil, category="self-harm")
    client_for(dsl).post(
        reverse("incidents:triage_act"),
        {"violation": [violation.pk], "action": "escalate_new", "kind": "cyberbullying"},
    )
    assert Incident.objects.get().title == "Monitoring: Self-harm"


@pytest.mark.parametrize("url_name", ["incidents:triage"])
def test_a_teacher_cannot_see_the_triage_queue(url_name, teacher, client_for):
    assert client_for(teacher).get(reverse(url_name)).status_code == 403


def test_violations_of_another_school_cannot_be_triaged(school, other_school, dsl, client_for):
    theirs = violation_at(other_school)
    client_for(dsl).post(
        reverse("incidents:triage_act"),
        {"violation": [theirs.pk], "action": TriageState.NO_ACTION, "reason": "x"},
    )
    assert Triage.objects.get(violation=theirs).state == TriageState.UNVIEWED
    response = client_for(dsl).get(reverse("incidents:triage_detail", args=[theirs.pk]))
    assert response.status_code == 404


def test_the_weekly_report_needs_a_school(capsys):
    with pytest.raises(SystemExit):
        warden(["incidents", "weekly-report"])
    assert "--school SLUG" in capsys.readouterr().err


def test_quick_escalation_asks_for_the_kind_instead_of_picking_one(school, dsl, pupil, client_for):
    violation = violation_at(school, severity=4, person=pupil, category="gambling")
    client = client_for(dsl)
    form = client.get(reverse("incidents:triage_detail", args=[violation.pk])).content.decode()
    assert "Choose the kind…" in form
    response = client.post(
        reverse("incidents:triage_act"),
        {"violation": [violation.pk], "action": "escalate_new", "title": "Betting sites"},
        follow=True,
    )
    assert "Choose the kind of incident to open" in response.content.decode()
    assert not Incident.objects.exists()
