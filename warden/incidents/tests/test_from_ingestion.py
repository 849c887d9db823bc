"""Ingestion reaches the incident log through monitoring's ``violations_stored`` signal."""

from __future__ import annotations

import pytest
from django.core import mail

from warden.cli import main as warden
from warden.incidents import rules
from warden.incidents.models import Triage
from warden.monitoring.models import Violation
from warden.monitoring.tests.monitoring_helpers import (
    START,
    pupil_with_account,
    squid_line,
    write_log,
)
from warden.testing.clients import committed


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.WARDEN_FILTER_DIR = str(tmp_path / "var" / "filtering")


def test_an_ingested_severity_5_search_opens_triage_and_tells_the_dsl_once(school, dsl, tmp_path):
    pupil_with_account(school, "pupil.one")
    url = "https://duckduckgo.com/?q=i+want+to+die"
    log = write_log(tmp_path / "access.log", [squid_line(START, "10.0.0.5", url, "pupil.one")])
    with committed():
        warden(["ingest", "--format", "squid", "--school", school.slug, str(log)])
    violation = Violation.objects.get(school=school)
    assert violation.severity == 5
    triage = Triage.objects.get(violation=violation)
    assert (triage.state, triage.severity, triage.category) == ("unviewed", 5, violation.category)
    assert triage.person == violation.person and triage.person is not None
    assert triage.due_at == rules.triage_due_at(violation.created_at, school.timezone)
    assert [message.to for message in mail.outbox] == [[dsl.email]]
    with committed():
        warden(["ingest", "--format", "squid", "--school", school.slug, str(log)])
    assert len(mail.outbox) == 1
