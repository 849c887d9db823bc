"""The issue's acceptance path: from a violation to a closed incident, all audited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from warden.core.audit import audit_verify
from warden.core.models import AuditEntry
from warden.incidents.models import Incident, IncidentStatus
from warden.incidents.services.triage import violations_received
from warden.testing.clients import committed

from .object_makers import violation_at


@pytest.fixture(autouse=True)
def _evidence_store(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_from_a_violation_to_a_closed_bullying_incident(school, dsl, pupil, client_for):
    violation = violation_at(school, severity=5, person=pupil, category="bullying")
    with committed():
        violations_received(school=school, violation_ids=[violation.pk])
    assert len(mail.outbox) == 1  # the DSL is told at once

    client = client_for(dsl)
    client.get(reverse("incidents:triage_detail", args=[violation.pk]))
    response = client.post(
        reverse("incidents:triage_act"),
        {
            "violation": [violation.pk],
            "action": "escalate_new",
            "kind": "cyberbullying",
            "title": "Threats about a classmate",
        },
    )
    incident = Incident.objects.get()
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    assert client.get(response.url).status_code == 200

    client.post(
        reverse("incidents:evidence_add", args=[incident.pk]),
        {
            "title": "Screenshot",
            "note": "",
            "file": SimpleUploadedFile("shot.png", b"\x89PNG data", content_type="image/png"),
        },
    )
    client.post(reverse("incidents:severity_set", args=[incident.pk]), {"severity": "moderate"})
    for step in incident.steps.filter(mandatory=True):
        client.post(
            reverse("incidents:step_done", args=[step.pk]),
            {"note": "Phoned at 11:20" if step.tell else ""},
        )
    client.post(
        reverse("incidents:close", args=[incident.pk]),
        {"outcome": "upheld", "notes": "Restorative meeting held; parents informed."},
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED

    trail = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "violations.alerted",
        "violation.viewed",
        "violation.triaged",
        "incident.reported",
        "evidence.added",
        "incident.severity_set",
        "incident.step_done",
        "incident.closed",
        "incident.viewed",
    } <= trail
    assert audit_verify().ok
    chronology = " ".join(incident.chronology.values_list("text", flat=True))
    assert "Playbook applied: Bullying" in chronology and "Closed: Breach upheld" in chronology
