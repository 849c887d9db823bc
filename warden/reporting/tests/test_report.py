"""The governors' report: every area's figures with charts, for a term and a year, as a page
and a PDF; the trust's report; and never a person's name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry, School, User
from warden.core.roles import Role
from warden.incidents.models import IncidentKind, Involvement, Part
from warden.incidents.tests.object_makers import incident_at, violation_at
from warden.reporting import pdf, report
from warden.reporting.models import SchoolTerm
from warden.reporting.tests.pdf_text import words
from warden.safeguarding.tests.object_makers import concern_at
from warden.testing.factories import PupilFactory, SchoolFactory, UserFactory, member

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)
NAMES = ("Quillfeather", "Marchbank", "Zebedee")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def named_history(school: School) -> None:
    """Incidents, an alert and a welfare concern about pupils with distinctive names."""
    pupil = PupilFactory.create(school=school, first_name="Robin", last_name="Quillfeather")
    for when, kind in (
        (dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC), IncidentKind.CYBERBULLYING),
        (dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), IncidentKind.MISUSE),
        (dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), IncidentKind.MISUSE),
    ):
        with time_machine.travel(when, tick=False):
            incident = incident_at(school, kind=kind, title="Robin Quillfeather's messages")
            Involvement.objects.create(
                school=school, incident=incident, person=pupil, part=Part.SUBJECT, added_at=when
            )
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC), tick=False):
        violation_at(school, username="a-marchbank", phrase="Marchbank words")
        concern_at(school, summary="Seen by Quillfeather")


def _block(found: report.GovernorsReport, key: str) -> report.Block:
    return next(b for b in found.blocks if b.key == key)


def test_a_term_report_gathers_every_area_with_a_chart_and_its_table(school, named_history):
    found = report.report_for(school, term="autumn-2026", now=timezone.now())
    keys = {b.key for b in found.blocks}
    assert {"kinds", "severity", "filtering", "triage", "agreements", "leavers"} <= keys
    assert {"equipment", "alerts", "welfare"} <= keys
    kinds = _block(found, "kinds")
    assert kinds.columns == ["Autumn term 2026", "Summer term 2026", "Autumn term 2025"]
    assert dict((r.label, r.values) for r in kinds.rows)["Misuse of ICT"] == [1, 1, 0]
    assert kinds.chart is not None and 'role="img"' in kinds.chart and "<desc" in kinds.chart
    assert "2 in Autumn term 2026; 1 in Summer term 2026" in kinds.summary
    welfare = _block(found, "welfare")
    assert welfare.total is not None and welfare.total.values[0] == 1
    assert found.trend.rows[0].values[-2:] == [1, 2]


def test_a_year_sums_its_three_terms(school, named_history):
    found = report.report_for(school, year="2026-27", now=timezone.now())
    kinds = _block(found, "kinds")
    assert kinds.columns == ["Autumn term 2026", "Spring term 2027", "Summer term 2027", "Year"]
    assert dict((r.label, r.values) for r in kinds.rows)["Misuse of ICT"] == [1, 0, 0, 1]
    assert kinds.total is not None and kinds.total.values == [2, 0, 0, 2]
    last_year = report.report_for(school, year="2025-26", now=timezone.now())
    total = _block(last_year, "kinds").total
    assert total is not None and total.values == [0, 0, 1, 1]


def test_a_wrong_term_or_year_says_how_to_write_it(school, governor, client_for):
    client = client_for(governor)
    wrong = client.get(reverse("reporting:governors"), {"term": "winter-2026"})
    assert wrong.status_code == 400 and "write autumn-2026" in wrong.content.decode()
    wrong = client.get(reverse("reporting:governors"), {"year": "2026-28"})
    assert wrong.status_code == 400 and "write it as 2026-27" in wrong.content.decode()


def test_governors_read_the_report_page_and_pdf_and_no_name_appears(
    school, named_history, governor, client_for
):
    client = client_for(governor)
    page = client.get(reverse("reporting:governors"), {"term": "autumn-2026"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Monitoring alerts by category" in text and "Download PDF" in text
    assert text.count('role="img"') >= 5
    for name in NAMES:
        assert name not in text
    response = client.get(reverse("reporting:governors_pdf"), {"term": "autumn-2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    found = report.report_for(school, term="autumn-2026", now=timezone.now())
    page_text, chart_text = words(
        pdf.document("reporting/governors_pdf.html", {"school": school, "report": found})
    )
    for name in NAMES:
        assert name not in page_text and not any(name in c for c in chart_text)
    assert AuditEntry.objects.filter(action="reports.governors_viewed", school=school).count() == 2


def test_the_governors_home_page_links_to_the_latest_report(school, governor, client_for):
    home = client_for(governor).get(reverse("core:dashboard")).content.decode()
    assert reverse("reporting:governors") + "?term=autumn-2026" in home


def test_the_command_writes_a_multi_page_pdf_with_charts_for_the_demo_school(tmp_path: Path):
    from warden.cli import main as warden

    with time_machine.travel(timezone.now(), tick=False):
        warden(["demo", "--schools", "2", "--pupils", "30"])
    out = tmp_path / "report.pdf"
    warden(
        ["report", "governors", "--school", "northgate", "--term", "autumn-2026", "--pdf", str(out)]
    )
    assert out.read_bytes().startswith(b"%PDF-")
    school = School.objects.get(slug="northgate")
    # The demo records the school's own dates: autumn starts after two training days.
    assert SchoolTerm.objects.filter(school=school).count() == 3
    found = report.report_for(school, term="autumn-2026", now=timezone.now())
    assert found.dates.startswith("3 September 2026")
    document = pdf.document("reporting/governors_pdf.html", {"school": school, "report": found})
    assert len(document.pages) > 2
    page_text, chart_text = words(document)
    assert "Page 1 of" in page_text and "Northgate Academy" in page_text
    assert len(chart_text) >= 4
    assert any("Incidents by kind" in c and "Misuse of ICT" in c for c in chart_text)
    assert any("Trend over the last six terms" in c for c in chart_text)
    year = tmp_path / "year.pdf"
    warden(
        ["report", "governors", "--school", "northgate", "--year", "2026-27", "--pdf", str(year)]
    )
    assert year.read_bytes().startswith(b"%PDF-")


def _trust_admin(school: School) -> User:
    admin = UserFactory.create(username="trustadmin", first_name="Trust", last_name="Admin")
    member(admin, None, Role.TRUST_ADMIN, trust=school.trust)
    return admin


def test_the_trust_report_has_a_row_per_school_and_totals(school, named_history, client_for):
    second = SchoolFactory.create(trust=school.trust, name="Oakfield Secondary", slug="oak-2")
    incident_at(second, kind=IncidentKind.MALWARE)
    client = client_for(_trust_admin(school))
    page = client.get(reverse("reporting:trust"), {"term": "autumn-2026"})
    assert page.status_code == 200
    found = page.context["report"]
    by_school = {s.slug: values for s, values in found.rows}
    assert found.columns[0] == "Incidents reported"
    assert by_school["oakfield"][0] == 2 and by_school["oak-2"][0] == 1
    assert found.totals[0] == 3
    # Each heading says once what it counts: a block's total is named by the block alone.
    assert len(set(found.columns)) == len(found.columns)
    assert not [c for c in found.columns if ": All" in c], found.columns
    for name in NAMES:
        assert name not in page.content.decode()
    response = client.get(reverse("reporting:trust_pdf"), {"term": "autumn-2026"})
    assert response.content.startswith(b"%PDF-")


def test_only_a_trust_administrator_reads_the_trust_report(
    school, governor, headteacher, client_for
):
    for user in (governor, headteacher):
        assert client_for(user).get(reverse("reporting:trust")).status_code == 403
