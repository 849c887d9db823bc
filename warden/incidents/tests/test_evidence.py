"""Evidence is kept with its SHA-256 and uploader, never edited, only superseded."""

from __future__ import annotations

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.incidents.models import Evidence, IncidentKind
from warden.incidents.services.evidence import evidence_add
from warden.incidents.services.incidents import incident_note_add, incident_report


@pytest.fixture(autouse=True)
def _evidence_store(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def incident(school, dsl):
    return incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Threatening comments",
        description="Comments on a video.",
    )


def _upload(client, url, content, **fields):
    data = {"title": "Screenshot of the comments", "note": "", **fields}
    data["file"] = SimpleUploadedFile("comments.png", content, content_type="image/png")
    return client.post(url, data)


def test_evidence_is_stored_with_its_sha256_and_uploader_and_superseded_not_edited(
    incident, dsl, client_for, tmp_path
):
    client = client_for(dsl)
    first_bytes = b"\x89PNG first capture"
    _upload(client, reverse("incidents:evidence_add", args=[incident.pk]), first_bytes)
    first = Evidence.objects.get()
    assert first.sha256 == hashlib.sha256(first_bytes).hexdigest()
    assert first.uploaded_by == dsl and first.size == len(first_bytes)
    stored = tmp_path / "evidence" / first.path
    assert stored.read_bytes() == first_bytes
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0  # written once, read-only

    response = _upload(
        client,
        reverse("incidents:evidence_supersede", args=[first.pk]),
        b"\x89PNG uncropped capture",
        note="The first was cropped; this shows the whole thread.",
    )
    assert response.status_code == 302
    second = Evidence.objects.exclude(pk=first.pk).get()
    assert second.supersedes == first
    assert stored.read_bytes() == first_bytes  # the old version is untouched
    assert AuditEntry.objects.filter(action="evidence.superseded", object_id=str(second.pk))

    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "superseded" in page and second.sha256 in page and first.sha256 in page

    # A version already replaced cannot be replaced again: the newest one is.
    again = _upload(
        client, reverse("incidents:evidence_supersede", args=[first.pk]), b"x", note="again"
    )
    assert again.status_code == 302
    assert Evidence.objects.count() == 2


def test_the_evidence_record_refuses_to_be_changed_or_deleted(incident, dsl):
    evidence = evidence_add(
        actor=dsl, incident=incident, title="Log export", filename="log.txt", chunks=[b"lines"]
    )
    evidence.title = "Something else"
    with pytest.raises(PermissionError):
        evidence.save()
    with pytest.raises(PermissionError):
        evidence.delete()
    with pytest.raises(PermissionError):
        Evidence.objects.filter(pk=evidence.pk).update(title="Changed")


def test_a_download_is_audited_and_a_changed_file_is_refused(incident, dsl, client_for, tmp_path):
    evidence = evidence_add(
        actor=dsl, incident=incident, title="Log export", filename="log.txt", chunks=[b"lines"]
    )
    client = client_for(dsl)
    url = reverse("incidents:evidence_download", args=[evidence.pk])
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"lines"
    assert AuditEntry.objects.filter(action="evidence.downloaded", object_id=str(evidence.pk))

    stored = tmp_path / "evidence" / evidence.path
    os.chmod(stored, 0o640)
    stored.write_bytes(b"tampered")
    response = client.get(url, follow=True)
    assert "no longer matches the SHA-256" in response.content.decode()


def test_the_chronology_is_append_only(incident, dsl):
    entry = incident_note_add(actor=dsl, incident=incident, text="Called parents.")
    entry.text = "Did not call parents."
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        incident.chronology.all().delete()
