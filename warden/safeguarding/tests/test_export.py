"""A concern as a one-page printable PDF chronology and as CSV for CPOMS or MyConcern."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zlib

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.safeguarding import services
from warden.safeguarding.models import WelfareConcern


def _page_count(pdf: bytes) -> int:
    """Pages of a PDF: its page objects, which may sit in compressed object streams."""
    text = pdf
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text += zlib.decompress(stream)
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page\b", text))


@pytest.fixture
def concern(school, dsl, self_harm_alert) -> WelfareConcern:
    concern = services.concern_from_violations(actor=dsl, violations=[self_harm_alert])
    services.note_add(actor=dsl, concern=concern, text='=HYPERLINK("http://x")')
    return concern


def test_the_pdf_is_a_one_page_chronology_and_its_download_is_audited(
    concern, dsl, client_for, tmp_path
):
    response = client_for(dsl).get(reverse("safeguarding:pdf", args=[concern.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert _page_count(body) == 1
    assert AuditEntry.objects.filter(action="welfare_concern.exported_pdf", actor=dsl).exists()
    pdftotext = shutil.which("pdftotext")  # poppler-utils, where installed
    if pdftotext:
        path = tmp_path / "c.pdf"
        path.write_bytes(body)
        text = subprocess.run(  # noqa: S603 - fixed arguments
            [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert concern.reference in text and "how to cut myself" in text


def test_the_csv_has_a_row_per_entry_and_neutralises_formulas(concern, dsl, client_for):
    response = client_for(dsl).get(reverse("safeguarding:csv", args=[concern.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Reference", "School", "Child"]
    assert all(row[0] == concern.reference for row in rows[1:])
    assert rows[1][2] == "Robin Year-Seven"
    assert '\'=HYPERLINK("http://x")' in [row[-1] for row in rows]
    assert len(rows) - 1 == concern.chronology.count()
    assert AuditEntry.objects.filter(action="welfare_concern.exported_csv").exists()
