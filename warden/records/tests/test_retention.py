import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.utils import timezone

from warden.cli import main as warden
from warden.core.audit import audit_verify
from warden.core.models import AuditEntry
from warden.engine.archive import ARCHIVE_SCHEMA, query, write_chunk
from warden.incidents.models import Incident, IncidentKind, Involvement, Part
from warden.monitoring.models import Violation
from warden.records import retention_runs, services
from warden.records.models import ReceivedVia, RetentionRun, RunStatus
from warden.records.tests.records_data import violation_for
from warden.testing.factories import PupilFactory

LONG_AGO = dt.date(2020, 1, 1)


@pytest.fixture
def archive(settings, tmp_path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path / "archive"


def _archive_rows(root: Path, school, day: dt.date, person_ids: list[str | None]) -> None:
    ts = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    rows: dict[str, list[Any]] = {name: [None] * len(person_ids) for name in ARCHIVE_SCHEMA.names}
    rows["ts"] = [ts] * len(person_ids)
    rows["offset"] = rows["line_no"] = list(range(len(person_ids)))
    rows["person_id"] = person_ids
    rows["host"] = ["games.example"] * len(person_ids)
    table = pa.Table.from_pydict(rows, schema=ARCHIVE_SCHEMA)
    write_chunk(root, school.slug, table, "0" * 16, day.toordinal())


def _leaver(school, **names):
    return PupilFactory.create(
        school=school,
        joining_date=dt.date(2015, 9, 1),
        leaving_date=timezone.localdate() - dt.timedelta(days=400),
        **names,
    )


def _sar_for(school, siro, person):
    return services.sar_log(
        actor=siro,
        school=school,
        person=person,
        requester="Themselves",
        received_via=ReceivedVia.LETTER,
        received_on=timezone.localdate(),
    )


def test_a_dry_run_lists_violations_past_their_rule_and_what_is_held(school, siro, archive):
    gone = _leaver(school, first_name="Lena", last_name="Left")
    held = _leaver(school, first_name="Omar", last_name="Asked")
    current = PupilFactory.create(school=school)
    for n, person in enumerate([gone, gone, held, current]):
        violation_for(person, school, n)
    sar = _sar_for(school, siro, held)

    found = retention_runs.retention_due(school=school)["monitoring.violations"]

    assert [item["description"] for item in found["due"]] == [
        f"2 violation(s) of Lena Left, who left on {gone.leaving_date:%d/%m/%Y}"
    ]
    assert found["held"][0]["reason"] == f"open subject access request {sar.reference}"
    assert "Omar Asked" in found["held"][0]["description"]
    assert RetentionRun.objects.count() == 0  # a dry run records nothing


def test_approval_removes_violations_and_archive_rows_and_keeps_held_ones(
    school, siro, archive, django_capture_on_commit_callbacks
):
    gone = _leaver(school, first_name="Lena", last_name="Left")
    held = _leaver(school, first_name="Omar", last_name="Asked")
    current = PupilFactory.create(school=school)
    for n, person in enumerate([gone, held, current]):
        violation_for(person, school, n)
    recent = timezone.localdate() - dt.timedelta(days=3)
    _archive_rows(archive, school, recent, [str(gone.pk), str(held.pk), str(current.pk)])
    only_gone = timezone.localdate() - dt.timedelta(days=4)
    _archive_rows(archive, school, only_gone, [str(gone.pk)])
    _sar_for(school, siro, held)

    run = retention_runs.retention_find(actor=siro, school=school)
    with django_capture_on_commit_callbacks(execute=True):
        run = retention_runs.retention_approve(actor=siro, run=run)

    assert run.status == RunStatus.APPROVED
    assert run.removed["monitoring.violations"] == 1
    assert set(Violation.objects.values_list("person_id", flat=True)) == {held.pk, current.pk}
    left = query(archive, school=school.slug).column("person_id").to_pylist()
    assert sorted(left) == sorted([str(held.pk), str(current.pk)])
    # A day that held only the leaver's rows is gone from disk.
    assert not (archive / f"school={school.slug}" / f"date={only_gone.isoformat()}").exists()
    entry = AuditEntry.objects.get(action="retention_run.removed", changes__count=1)
    assert entry.changes["record_type"] == "Monitoring violations"
    assert "1 year after the person leaves" in entry.changes["rule"]
    assert audit_verify().ok


def test_an_open_incident_holds_its_peoples_violations(school, siro, archive):
    gone = _leaver(school)
    violation_for(gone, school, 1)
    now = timezone.now()
    incident = Incident.objects.create(
        school=school,
        number=1,
        kind=IncidentKind.MISUSE,
        title="t",
        description="d",
        occurred_at=now,
        reported_at=now,
    )
    Involvement.objects.create(
        school=school, incident=incident, person=gone, part=Part.SUBJECT, added_at=now
    )
    found = retention_runs.retention_due(school=school)["monitoring.violations"]
    assert found["due"] == []
    assert found["held"][0]["reason"] == f"open incident {incident.reference}"


def test_a_hold_placed_after_the_dry_run_still_keeps_the_records(
    school, siro, archive, django_capture_on_commit_callbacks
):
    gone = _leaver(school)
    violation_for(gone, school, 1)
    run = retention_runs.retention_find(actor=siro, school=school)
    _sar_for(school, siro, gone)
    with django_capture_on_commit_callbacks(execute=True):
        retention_runs.retention_approve(actor=siro, run=run)
    assert Violation.objects.filter(person=gone).count() == 1


def test_the_archive_keeps_days_within_the_schools_period(
    school, siro, archive, django_capture_on_commit_callbacks
):
    pupil = PupilFactory.create(school=school)
    old = timezone.localdate() - dt.timedelta(days=100)
    _archive_rows(archive, school, old, [str(pupil.pk), None])
    retention_runs.retention_setting_update(
        actor=siro, school=school, record_type="monitoring.archive", months=2
    )
    run = retention_runs.retention_find(actor=siro, school=school)
    assert run.found["monitoring.archive"]["due"][0]["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        retention_runs.retention_approve(actor=siro, run=run)
    assert query(archive, school=school.slug).num_rows == 0


def test_the_command_dry_run_prints_what_would_go_and_records_nothing(
    school, siro, archive, capsys
):
    gone = _leaver(school, first_name="Lena", last_name="Left")
    violation_for(gone, school, 1)
    warden(["privacy", "retention", "--school", school.slug, "--dry-run"])
    out = capsys.readouterr().out
    assert "would remove: 1 violation(s) of Lena Left" in out
    assert RetentionRun.objects.count() == 0
    warden(["privacy", "retention", "--school", school.slug])
    assert RetentionRun.objects.get().status == RunStatus.PROPOSED
