"""IP leases: who held an address when, from a DHCP export, feeding attribution."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.monitoring.models import IpLease, Violation
from warden.monitoring.services.monitoring import leases_import, logs_ingest
from warden.monitoring.tests.monitoring_helpers import (
    START,
    pupil_with_account,
    squid_line,
    write_log,
)
from warden.testing.factories import PupilFactory

EXPORT = (
    "ip,mac,username,start,end\n"
    "10.0.1.20,aa:bb:cc:00:00:01,pupil.one,2025-03-10T08:00:00Z,2025-03-10T12:00:00Z\n"
    "10.0.1.20,aa:bb:cc:00:00:02,{mis},2025-03-10T12:00:00Z,\n"
)


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_a_lease_export_names_who_held_each_address_and_imports_once(school, tmp_path):
    first = pupil_with_account(school, "pupil.one")
    second = PupilFactory.create(school=school)
    data = EXPORT.format(mis=second.mis_id).encode()
    report = leases_import(actor=None, school=school, data=data, filename="leases.csv")
    assert (report.rows, report.created) == (2, 2)
    assert [lease.person for lease in IpLease.objects.order_by("start")] == [first, second]
    again = leases_import(actor=None, school=school, data=data, filename="leases.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.filter(action="ip_lease.created").count() == 2

    log = write_log(
        tmp_path / "access.log",
        [
            squid_line(START, "10.0.1.20", "https://www.google.com/search?q=i+want+to+die"),
            squid_line(
                START + dt.timedelta(hours=4),
                "10.0.1.20",
                "https://www.google.com/search?q=how+to+kill+myself",
            ),
        ],
    )
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)])
    morning = Violation.objects.get(school=school, phrase="i want to die")
    afternoon = Violation.objects.get(school=school, phrase="how to kill myself")
    assert (morning.person, morning.device) == (first, "aa:bb:cc:00:00:01")
    assert (afternoon.person, afternoon.device) == (second, "aa:bb:cc:00:00:02")


def test_an_open_lease_is_closed_by_a_later_export(school):
    pupil_with_account(school, "pupil.one")
    open_lease = "ip,mac,username,start,end\n10.0.1.5,m1,pupil.one,10/03/2025 08:00,\n"
    leases_import(actor=None, school=school, data=open_lease.encode(), filename="a.csv")
    closed = open_lease.replace(",\n", ",10/03/2025 15:30\n")
    report = leases_import(actor=None, school=school, data=closed.encode(), filename="b.csv")
    assert report.updated == 1
    lease = IpLease.objects.get()
    assert lease.end is not None and lease.end.hour == 15  # Europe/London is UTC in March


def test_a_bad_lease_file_is_refused_with_line_numbers_and_imports_nothing(school, tmp_path):
    pupil_with_account(school, "pupil.one")
    bad = (
        "ip,mac,username,start,end\n"
        "10.0.1.5,m1,pupil.one,2025-03-10 08:00,\n"
        "10.0.1.999,m2,pupil.one,2025-03-10 08:00,\n"
        "10.0.1.6,m3,nobody.known,2025-03-10 08:00,\n"
        "10.0.1.7,m4,pupil.one,2025-03-10 08:00,2025-03-10 07:00\n"
    )
    export = tmp_path / "leases.csv"
    export.write_text(bad, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_leases", str(export), "--school", school.slug)
    message = str(caught.value)
    assert "line 3: “10.0.1.999” is not an IP address" in message
    assert "line 4: “nobody.known” is neither a live account username nor an MIS id" in message
    assert "line 5: the lease ends before it starts" in message
    assert not IpLease.objects.exists()


def test_a_lease_file_without_the_needed_columns_says_which(school):
    with pytest.raises(ServiceError, match="needs columns username"):
        leases_import(actor=None, school=school, data=b"ip,start\n", filename="x.csv")


def test_a_proxy_logging_client_names_is_attributed_by_the_leases_device_name(school, tmp_path):
    pupil = pupil_with_account(school, "pupil.one")
    export = "ip,hostname,username,start,end\n10.0.1.9,LAPTOP-17,pupil.one,2025-03-10 08:00,\n"
    leases_import(actor=None, school=school, data=export.encode(), filename="leases.csv")
    log = write_log(
        tmp_path / "access.log",
        [squid_line(START, "laptop-17", "https://www.google.com/search?q=i+want+to+die")],
    )
    logs_ingest(actor=None, school=school, fmt="squid", paths=[str(log)])
    found = Violation.objects.get(school=school, phrase="i want to die")
    assert (found.person, found.device, found.client_ip) == (pupil, "LAPTOP-17", "laptop-17")
