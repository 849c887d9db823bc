"""Reading remote-access logs: attribution, idempotent and resumable reading, bursts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.tenancy import school_scope
from warden.remoteaccess.models import (
    AlertState,
    EventKind,
    RemoteAccessAlert,
    RemoteAccessEvent,
)
from warden.remoteaccess.services import (
    alert_acknowledge,
    remote_access_settings_update,
    remote_logs_ingest,
)
from warden.remoteaccess.tests.logs import openvpn_failures, openvpn_session

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 12, 7, 8, 0)


def _write(path: Path, text: str, mode: str = "w") -> Path:
    with open(path, mode) as handle:
        handle.write(text)
    return path


def test_a_connection_is_stored_and_named_after_the_account_holder(school, staff_member, tmp_path):
    log = _write(tmp_path / "openvpn.log", openvpn_session(MORNING))
    report = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    (event,) = RemoteAccessEvent.objects.all()
    assert report.new == 1
    assert event.kind == EventKind.CONNECTED and event.person == staff_member
    assert (event.remote_address, event.vpn_address) == ("203.0.113.9", "10.8.0.6")
    assert event.ts == dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    assert AuditEntry.objects.filter(action="remote_access.ingested").exists()


def test_reading_a_file_again_adds_nothing_and_a_grown_file_resumes(school, tmp_path):
    log = _write(tmp_path / "openvpn.log", openvpn_session(MORNING))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    again = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert again.new == 0 and RemoteAccessEvent.objects.count() == 1
    _write(log, openvpn_session(MORNING + dt.timedelta(hours=1), user="bjones"), "a")
    grown = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert grown.new == 1 and grown.files[0].events == 1  # only the new lines were read
    assert sorted(RemoteAccessEvent.objects.values_list("username", flat=True)) == [
        "bjones",
        "jsmith",
    ]


def test_a_replaced_file_is_read_from_its_start(school, tmp_path):
    log = _write(tmp_path / "openvpn.log", openvpn_session(MORNING))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    _write(log, openvpn_session(MORNING + dt.timedelta(days=1), user="new-user"))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert RemoteAccessEvent.objects.filter(username="new-user").count() == 1


def test_a_burst_of_failures_opens_one_alert_and_tells_the_ict_manager(
    school, staff_member, ict_manager, tmp_path, django_capture_on_commit_callbacks
):
    log = _write(tmp_path / "openvpn.log", openvpn_failures(MORNING, 12))
    with django_capture_on_commit_callbacks(execute=True):
        report = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert RemoteAccessEvent.objects.filter(kind=EventKind.FAILED).count() == 12
    # One for the account, one for the address: not one per failure.
    assert report.alerts_opened == 2
    by_user = RemoteAccessAlert.objects.get(username="jsmith")
    by_address = RemoteAccessAlert.objects.get(remote_address="198.51.100.7")
    assert by_user.failed_count == by_address.failed_count == 12
    assert by_user.person == staff_member and by_user.state == AlertState.OPEN
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [ict_manager.email]
    assert "failed remote-access attempts" in mail.outbox[0].subject
    assert AuditEntry.objects.filter(action="remote_access.alert_opened").count() == 2


def test_failures_that_keep_coming_extend_the_open_alert(school, tmp_path):
    log = _write(tmp_path / "openvpn.log", openvpn_failures(MORNING, 10, ip="192.0.2.1"))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    later = MORNING + dt.timedelta(minutes=3)
    _write(log, openvpn_failures(later, 5, ip="192.0.2.1"), "a")
    report = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert report.alerts_opened == 0 and report.files[0].alerts_extended == 2
    alert = RemoteAccessAlert.objects.get(remote_address="192.0.2.1")
    assert alert.failed_count == 15
    assert alert.window_end == dt.datetime(2026, 12, 7, 8, 3, 40, tzinfo=dt.UTC)
    assert RemoteAccessAlert.objects.count() == 2


def test_failures_spread_out_raise_nothing(school, tmp_path):
    # Ten failures a minute apart: never ten within five minutes.
    log = _write(tmp_path / "openvpn.log", openvpn_failures(MORNING, 10, every=60))
    report = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    assert report.alerts_opened == 0 and not RemoteAccessAlert.objects.exists()


def test_the_rule_is_the_schools_own(school, other_school, ict_manager, tmp_path):
    remote_access_settings_update(
        actor=ict_manager, school=school, burst_failures=3, burst_minutes=1
    )
    log = _write(tmp_path / "openvpn.log", openvpn_failures(MORNING, 3, user=""))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    remote_logs_ingest(actor=None, school=other_school, fmt="openvpn", paths=[log])
    with school_scope(school.pk):
        assert RemoteAccessAlert.objects.count() == 1
        assert RemoteAccessEvent.objects.count() == 3
    with school_scope(other_school.pk):
        assert RemoteAccessAlert.objects.count() == 0  # still ten in five minutes there
        assert RemoteAccessEvent.objects.count() == 3
    with pytest.raises(ServiceError, match="at least 2"):
        remote_access_settings_update(
            actor=ict_manager, school=school, burst_failures=1, burst_minutes=5
        )


def test_after_acknowledging_a_new_burst_raises_a_new_alert(school, ict_manager, tmp_path):
    log = _write(tmp_path / "openvpn.log", openvpn_failures(MORNING, 10, ip="192.0.2.1"))
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    alert = RemoteAccessAlert.objects.get(remote_address="192.0.2.1")
    with pytest.raises(ServiceError):
        alert_acknowledge(actor=ict_manager, alert=alert, note="  ")
    alert_acknowledge(actor=ict_manager, alert=alert, note="Address blocked at the firewall.")
    _write(log, openvpn_failures(MORNING + dt.timedelta(minutes=2), 10, ip="192.0.2.1"), "a")
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[log])
    states = RemoteAccessAlert.objects.filter(remote_address="192.0.2.1").order_by("pk")
    assert [a.state for a in states] == [AlertState.ACKNOWLEDGED, AlertState.OPEN]


def test_the_command_reads_files_and_says_what_is_wrong(school, tmp_path, capsys):
    log = _write(tmp_path / "openvpn.log", openvpn_session(MORNING) + "not a log line\n")
    call_command("remote_access_ingest", "--school", school.slug, "--format", "openvpn", str(log))
    out = capsys.readouterr()
    assert "1 events read, 1 new, 1 lines not understood" in out.out
    assert "not a log line" in out.err
    with pytest.raises(CommandError, match="No such file"):
        call_command(
            "remote_access_ingest", "--school", school.slug, "--format", "openvpn", "/nonexistent"
        )
    with pytest.raises(CommandError, match="No school has the slug"):
        call_command("remote_access_ingest", "--school", "nope", "--format", "openvpn", str(log))


@pytest.mark.parametrize("piece", [200, 300, 450])
def test_reading_in_small_pieces_ends_as_one_read_did(school, tmp_path, monkeypatch, piece):
    text = openvpn_failures(MORNING, 12) + openvpn_session(MORNING + dt.timedelta(minutes=9))
    whole = _write(tmp_path / "whole.log", text)
    pieces = _write(tmp_path / "pieces.log", text)
    remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[whole])
    first = sorted(RemoteAccessEvent.objects.values_list("kind", "username", "ts", "vpn_address"))
    RemoteAccessEvent.objects.all().delete()
    RemoteAccessAlert.objects.all().delete()
    monkeypatch.setattr("warden.remoteaccess.services.CHUNK_BYTES", piece)
    report = remote_logs_ingest(actor=None, school=school, fmt="openvpn", paths=[pieces])
    assert (
        sorted(RemoteAccessEvent.objects.values_list("kind", "username", "ts", "vpn_address"))
        == first
    )
    assert report.alerts_opened == 2 and RemoteAccessAlert.objects.count() == 2
    assert AuditEntry.objects.filter(action="remote_access.ingested").count() > 3
