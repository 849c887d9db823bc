"""Closed incidents go when their kind's rule has passed, with their chronology and evidence;
open and held ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.core.audit import audit_verify
from warden.core.models import AuditEntry, School, User
from warden.incidents.models import (
    ChronologyEntry,
    Evidence,
    Incident,
    IncidentKind,
    Involvement,
    Outcome,
    Part,
    PlaybookStep,
)
from warden.incidents.services.evidence import evidence_add, evidence_root
from warden.incidents.services.incidents import incident_close, incident_report
from warden.people.models import Person
from warden.records import retention_runs, services
from warden.records.models import ReceivedVia, RunStatus
from warden.testing.factories import PupilFactory

LONG_AGO = timezone.now() - dt.timedelta(days=4 * 365)


@pytest.fixture(autouse=True)
def _evidence_store(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _leaver(school: School, **fields: object) -> Person:
    """A pupil who left more than a year ago."""
    left = timezone.localdate() - dt.timedelta(days=400)
    return PupilFactory.create(school=school, leaving_date=left, **fields)


def _incident(
    school: School, dsl: User, person: Person, *, kind: str = IncidentKind.MISUSE, close: bool
) -> Incident:
    incident = incident_report(
        actor=dsl,
        school=school,
        kind=kind,
        title="Games site during lessons",
        description="Found by the filter.",
        people=[(person, Part.SUBJECT)],
        notify=False,
    )
    evidence_add(
        actor=dsl,
        incident=incident,
        title="Filter log",
        filename="log.txt",
        chunks=[b"games.example 10:02"],
    )
    if close:
        PlaybookStep.objects.filter(incident=incident).update(done_at=timezone.now(), done_by=dsl)
        incident_close(actor=dsl, incident=incident, outcome=Outcome.NOT_UPHELD, notes="Done.")
        Incident.objects.filter(pk=incident.pk).update(closed_at=LONG_AGO)
    return incident


def test_a_closed_misuse_incident_past_its_rule_is_listed_then_removed_with_its_records(
    school, dsl, siro, django_capture_on_commit_callbacks
):
    gone = _incident(school, dsl, _leaver(school), close=True)
    still_open = _incident(school, dsl, _leaver(school), close=False)
    held_person = _leaver(school)
    held = _incident(school, dsl, held_person, close=True)
    sar = services.sar_log(
        actor=siro,
        school=school,
        person=held_person,
        requester="A parent",
        received_via=ReceivedVia.EMAIL,
        received_on=timezone.localdate() - dt.timedelta(days=2),
    )
    stored = evidence_root() / Evidence.objects.get(incident=gone).path
    assert stored.exists()

    found = retention_runs.retention_due(school=school)["incidents.misuse"]

    assert [item["key"] for item in found["due"]] == [str(gone.pk)]
    assert found["due"][0]["description"].startswith(f"{gone.reference} Misuse of ICT, closed")
    assert [item["reason"] for item in found["held"]] == [
        f"open subject access request {sar.reference}"
    ]
    assert Incident.objects.filter(pk=gone.pk).exists()  # a dry run removes nothing

    found_run = retention_runs.retention_find(actor=siro, school=school)
    with django_capture_on_commit_callbacks(execute=True):  # evidence files go on commit
        approved = retention_runs.retention_approve(actor=siro, run=found_run)

    assert (approved.status, approved.removed["incidents.misuse"]) == (RunStatus.APPROVED, 1)
    assert set(Incident.objects.values_list("pk", flat=True)) == {still_open.pk, held.pk}
    assert not ChronologyEntry.objects.filter(incident_id=gone.pk).exists()
    assert not Evidence.objects.filter(incident_id=gone.pk).exists()
    assert not Involvement.objects.filter(incident_id=gone.pk).exists()
    assert not stored.exists()
    for kept in (still_open, held):
        assert ChronologyEntry.objects.filter(incident=kept).exists()
        assert (evidence_root() / Evidence.objects.get(incident=kept).path).exists()
    entry = AuditEntry.objects.get(action="retention_run.removed", changes__count=1)
    assert entry.changes["record_type"] == "Incidents: misuse of ICT and filtering failures"
    assert audit_verify().ok


def test_misuse_waits_three_years_after_closing_while_a_pupil_is_still_at_school(school, dsl):
    pupil = PupilFactory.create(school=school)
    incident = _incident(school, dsl, pupil, close=True)
    due = retention_runs.retention_due
    assert [item["key"] for item in due(school=school)["incidents.misuse"]["due"]] == [
        str(incident.pk)
    ]
    Incident.objects.filter(pk=incident.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=700)
    )
    assert due(school=school)["incidents.misuse"]["due"] == []


def test_a_welfare_incident_stays_until_the_youngest_pupil_is_25(school, dsl):
    older = _leaver(school, date_of_birth=dt.date(1990, 1, 1))
    younger = _leaver(school, date_of_birth=timezone.localdate() - dt.timedelta(days=24 * 365))
    incident = _incident(school, dsl, older, kind=IncidentKind.CYBERBULLYING, close=True)
    due = retention_runs.retention_due
    assert [item["key"] for item in due(school=school)["incidents.welfare"]["due"]] == [
        str(incident.pk)
    ]
    Involvement.objects.create(
        school=school,
        incident=incident,
        person=younger,
        part=Part.VICTIM,
        added_at=timezone.now(),
    )
    assert due(school=school)["incidents.welfare"]["due"] == []


def test_append_only_records_still_refuse_an_ordinary_delete(school, dsl):
    incident = _incident(school, dsl, _leaver(school), close=False)
    with pytest.raises(PermissionError):
        ChronologyEntry.objects.filter(incident=incident).delete()
    with pytest.raises(PermissionError):
        Evidence.objects.get(incident=incident).delete()
