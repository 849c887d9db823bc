"""The triage state as a stored column, the queue read through it, and bulk archiving from
the queue (policy duty "Violations assessed daily", docs/policy-map.md)."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.incidents import rules, selectors
from warden.incidents.models import Incident, Part, Triage, TriageState
from warden.incidents.services.triage import (
    triage_decide,
    triage_escalate,
    triage_open,
    triage_route_welfare,
    violation_read,
    violations_received,
)
from warden.monitoring.models import Violation
from warden.people.models import PersonType
from warden.testing.factories import PersonFactory, PupilFactory

from .object_makers import violation_at

pytestmark = pytest.mark.django_db

MONDAY_9AM = dt.datetime(2026, 2, 9, 9, 0, tzinfo=dt.UTC)  # GMT: London time


def _state(violation: Violation) -> str:
    return Triage.objects.get(violation=violation).state


def _own_record(school, user):
    return PersonFactory.create(
        school=school, user=user, last_name="Ownrecord", person_type=PersonType.TEACHING_STAFF
    )


# --- the stored state ---------------------------------------------------------------------


def test_a_stored_violation_carries_its_severity_category_subject_and_deadline(school, pupil):
    with time_machine.travel(MONDAY_9AM, tick=False):
        violation = violation_at(school, severity=4, category="weapons", person=pupil)
    triage = Triage.objects.get(violation=violation)
    assert triage.state == TriageState.UNVIEWED
    assert (triage.severity, triage.category, triage.person) == (4, "weapons", pupil)
    assert triage.found_at == violation.created_at == MONDAY_9AM
    assert triage.due_at == dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    assert triage.due_at == rules.triage_due_at(violation.created_at, school.timezone)


def test_a_line_ingested_again_keeps_its_decision_and_follows_the_new_severity(school, dsl, pupil):
    violation = violation_at(school, severity=2, category="games")
    triage_decide(actor=dsl, violations=[violation], state=TriageState.NO_ACTION, reason="Games")
    Violation.objects.filter(pk=violation.pk).update(severity=3, person=pupil)
    assert triage_open(school=school, violation_ids=[violation.pk]) == 1
    triage = Triage.objects.get(violation=violation)
    assert (triage.state, triage.reason) == (TriageState.NO_ACTION, "Games")
    assert (triage.severity, triage.person) == (3, pupil)
    assert Triage.objects.filter(violation=violation).count() == 1


def test_the_stored_state_is_what_each_service_set(school, dsl, pupil, other_pupil):
    looked, archived, wrong, breach, worry = (
        violation_at(school, person=p) for p in (pupil, pupil, pupil, other_pupil, pupil)
    )
    violation_read(actor=dsl, violation=looked)
    triage_decide(actor=dsl, violations=[archived], state=TriageState.NO_ACTION, reason="Fine")
    triage_decide(actor=dsl, violations=[wrong], state=TriageState.FALSE_POSITIVE, reason="Lyric")
    incident = triage_escalate(actor=dsl, violations=[breach], kind="misuse", title="Breach")
    triage_route_welfare(actor=dsl, violations=[worry], reason="WC-0001")
    assert [_state(v) for v in (looked, archived, wrong, breach, worry)] == [
        TriageState.VIEWED,
        TriageState.NO_ACTION,
        TriageState.FALSE_POSITIVE,
        TriageState.ESCALATED,
        TriageState.WELFARE,
    ]
    assert Triage.objects.get(violation=breach).incident == incident
    queue = selectors.triage_queue(school, selectors.TriageFilter())
    assert [t.violation_id for t in queue] == [looked.pk]
    escalated = selectors.triage_queue(school, selectors.TriageFilter(state="escalated"))
    assert [t.violation_id for t in escalated] == [breach.pk]


def test_the_migration_opens_triage_for_violations_that_had_none(school, pupil):
    violation = violation_at(school, severity=5, category="self-harm", person=pupil)
    Triage.objects.filter(violation=violation).delete()
    migration = importlib.import_module(
        "warden.incidents.migrations.0006_triage_rows_for_every_violation"
    )
    migration.backfill(apps, None)
    triage = Triage.objects.get(violation=violation)
    assert (triage.state, triage.severity, triage.category) == ("unviewed", 5, "self-harm")
    assert triage.due_at == rules.triage_due_at(violation.created_at, school.timezone)


def test_opening_and_alerting_a_chunk_takes_the_same_queries_however_large(school, dsl):
    def received(n: int) -> int:
        pupils = PupilFactory.create_batch(n, school=school)
        found = [
            Violation.objects.create(
                school=school,
                engine_id=f"chunk-{n}-{i}",
                source_id="test",
                offset=i,
                line_no=i + 1,
                ts=MONDAY_9AM,
                person=pupil,
                category="self-harm",
                severity=4 + i % 2,
                kind="keyword",
            )
            for i, pupil in enumerate(pupils)
        ]
        with CaptureQueriesContext(connection) as done:
            result = violations_received(school=school, violation_ids=[v.pk for v in found])
        assert result["received"] == result["alerted"] == n
        assert Triage.objects.filter(violation__in=found).count() == n
        return len(done.captured_queries)

    # The first append to the audit trail in a test's transaction finds the chain's head by
    # its key (warden.core.audit._ChainHead); later ones where it was last written.
    received(1)
    assert received(12) == received(2)


# --- reading the column ---------------------------------------------------------------------


def test_the_queue_reads_most_severe_then_oldest_first(school):
    with time_machine.travel(MONDAY_9AM, tick=False):
        old_minor = violation_at(school, severity=2)
    with time_machine.travel(MONDAY_9AM + dt.timedelta(hours=1), tick=False):
        new_severe = violation_at(school, severity=5)
        new_minor = violation_at(school, severity=2)
    queue = selectors.triage_queue(school, selectors.TriageFilter())
    assert [t.violation_id for t in queue] == [new_severe.pk, old_minor.pk, new_minor.pk]


def test_queue_and_overdue_figures_take_the_same_queries_however_many_violations(school, dsl):
    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            queue = selectors.triage_queue(school, selectors.TriageFilter(), viewer_id=dsl.pk)
            queue.count()
            list(queue[:50])
            selectors.triage_overdue(school).count()
            selectors.weekly_report(school, end=MONDAY_9AM + dt.timedelta(days=3))
        return len(done.captured_queries)

    with time_machine.travel(MONDAY_9AM, tick=False):
        for _ in range(2):
            violation_at(school)
    few = queries()
    with time_machine.travel(MONDAY_9AM, tick=False):
        for n in range(20):
            violation_at(school, severity=1 + n % 5, category=f"category-{n}")
    assert queries() == few
    assert selectors.triage_overdue(school, now=MONDAY_9AM + dt.timedelta(days=2)).count() == 22


def test_the_queue_searches_and_shows_fifty_a_page(school, dsl, pupil, client_for):
    for _ in range(50):
        violation_at(school, phrase="ordinary words")
    violation_at(school, phrase="a rare phrase", person=pupil)
    client = client_for(dsl)
    page = client.get(reverse("incidents:triage")).content.decode()
    assert "51 violations" in page and "Page 1 of 2" in page
    found = client.get(reverse("incidents:triage"), {"q": "rare"}).content.decode()
    assert "1 violation<" in found and "a rare phrase" in found
    by_name = client.get(reverse("incidents:triage"), {"q": pupil.last_name}).content.decode()
    assert "a rare phrase" in by_name and "ordinary words" not in by_name


# --- bulk archiving from the queue ----------------------------------------------------------


def test_the_dsl_archives_three_ticked_violations_with_one_reason(school, dsl, client_for):
    chosen = [violation_at(school, phrase=f"chosen {n}") for n in range(3)]
    left = violation_at(school, phrase="left alone")
    response = client_for(dsl).post(
        reverse("incidents:triage_bulk"),
        {
            "violation": [v.pk for v in chosen],
            "decision": TriageState.NO_ACTION,
            "reason": "Song lyrics in a music lesson",
        },
        follow=True,
    )
    assert "3 violations archived as no action (archived)." in response.content.decode()
    rows = Triage.objects.filter(violation__in=chosen)
    assert {(t.state, t.reason, t.decided_by) for t in rows} == {
        (TriageState.NO_ACTION, "Song lyrics in a music lesson", dsl)
    }
    audited = AuditEntry.objects.filter(action="violation.triaged")
    assert sorted(int(e.object_id) for e in audited) == sorted(v.pk for v in chosen)
    assert _state(left) == TriageState.UNVIEWED


def test_bulk_archiving_refuses_one_no_longer_open_and_says_which(school, dsl, client_for):
    done = violation_at(school, phrase="already decided")
    triage_decide(actor=dsl, violations=[done], state=TriageState.FALSE_POSITIVE, reason="Typo")
    fresh = violation_at(school, phrase="still open")
    response = client_for(dsl).post(
        reverse("incidents:triage_bulk"),
        {"violation": [fresh.pk, done.pk], "decision": TriageState.NO_ACTION, "reason": "Fine"},
        follow=True,
    )
    page = response.content.decode().replace("&#x27;", "'")
    assert "1 of the chosen violations is no longer open" in page
    assert "already decided at" in page and "(false positive)" in page
    assert _state(fresh) == TriageState.UNVIEWED  # nothing archived: all or none


def test_bulk_archiving_refuses_the_viewers_own_violation(school, dsl, client_for):
    own = violation_at(school, phrase="own browsing", person=_own_record(school, dsl))
    other = violation_at(school, phrase="a pupil's search")
    response = client_for(dsl).post(
        reverse("incidents:triage_bulk"),
        {"violation": [other.pk, own.pk], "decision": TriageState.NO_ACTION, "reason": "Fine"},
        follow=True,
    )
    assert "is about your own use" in response.content.decode()
    assert {_state(own), _state(other)} == {TriageState.UNVIEWED}


def test_the_dsl_never_sees_a_box_for_her_own_violation(school, dsl, client_for):
    own = violation_at(school, phrase="own browsing", person=_own_record(school, dsl))
    other = violation_at(school, phrase="a pupil's search")
    page = client_for(dsl).get(reverse("incidents:triage")).content.decode()
    assert f'value="{other.pk}"' in page and f'value="{own.pk}"' not in page


def test_a_teacher_may_not_archive_in_bulk(school, teacher, client_for):
    violation = violation_at(school)
    response = client_for(teacher).post(
        reverse("incidents:triage_bulk"),
        {"violation": [violation.pk], "decision": TriageState.NO_ACTION, "reason": "Fine"},
    )
    assert response.status_code == 403
    assert _state(violation) == TriageState.UNVIEWED


def test_bulk_archiving_needs_a_reason_and_offers_no_escalation(school, dsl, client_for):
    violation = violation_at(school)
    client = client_for(dsl)
    missing = client.post(
        reverse("incidents:triage_bulk"),
        {"violation": [violation.pk], "decision": TriageState.NO_ACTION},
        follow=True,
    )
    assert "Say why no action is needed." in missing.content.decode()
    escalate = client.post(
        reverse("incidents:triage_bulk"),
        {"violation": [violation.pk], "decision": TriageState.ESCALATED, "reason": "A breach"},
        follow=True,
    )
    assert "Select a valid choice" in escalate.content.decode()
    assert _state(violation) == TriageState.UNVIEWED
    assert not Incident.objects.exists()


def test_the_queue_labels_every_box_and_says_each_child_is_looked_at_individually(
    school, dsl, pupil, client_for
):
    violation_at(school, phrase="first search", person=pupil)
    violation_at(school, phrase="second search", person=pupil)
    page = client_for(dsl).get(reverse("incidents:triage")).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="violation"[^>]*>', page)
    assert len(boxes) == 2 and all('aria-label="Choose ' in box for box in boxes)
    assert 'data-choose-all="violation"' in page and "All on this page" in page
    assert "never done in bulk: each child is looked at individually" in page
    assert "Raise a welfare concern" not in page and "open a new incident" not in page


def test_escalating_several_people_at_once_is_refused(school, dsl, pupil, other_pupil):
    first = violation_at(school, person=pupil)
    second = violation_at(school, person=other_pupil)
    from warden.core.errors import ServiceError

    with pytest.raises(ServiceError, match="each child is looked at individually"):
        triage_escalate(actor=dsl, violations=[first, second], kind="misuse", title="Both")
    assert not Incident.objects.exists()
    incident = triage_escalate(actor=dsl, violations=[first], kind="misuse", title="One")
    assert incident.involvements.get().part == Part.SUBJECT


def test_a_pupil_record_without_a_user_is_never_taken_for_the_viewer(school, dsl, client_for):
    pupil = PupilFactory.create(school=school, last_name="Nouser")
    violation_at(school, phrase="pupil without account", person=pupil)
    violation_at(school, phrase="unknown user")
    page = client_for(dsl).get(reverse("incidents:triage")).content.decode()
    assert "pupil without account" in page and "unknown user" in page


def test_the_category_filter_lists_each_of_this_schools_categories_once(school, other_school):
    for category in ("games", "drugs", "games", "self-harm"):
        violation_at(school, category=category)
    violation_at(other_school, category="weapons")
    assert selectors.triage_categories(school) == ["drugs", "games", "self-harm"]
    assert selectors.triage_categories(other_school) == ["weapons"]


def test_the_demo_opens_triage_for_its_violations_once(school):
    from warden.incidents.demo import load_triage

    violation = violation_at(school)
    Triage.objects.filter(violation=violation).delete()
    today = school.created_at.date()
    assert load_triage(school=school, today=today, seed=1) == {"violations to triage": 1}
    assert load_triage(school=school, today=today, seed=1) == {}
    assert _state(violation) == TriageState.UNVIEWED
