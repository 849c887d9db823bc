"""The violations list downloads as CSV and XLSX: the filtered rows, safe to open, only for
the roles that see the page, every download audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.monitoring.tests.test_monitoring_views import _violation
from warden.testing.exports import both, queries_for
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _urls() -> tuple[str, str]:
    return reverse("monitoring:violations_csv"), reverse("monitoring:violations_xlsx")


def test_the_violation_export_is_the_filtered_list(school, dsl, client_for):
    pupil = PupilFactory.create(school=school, first_name="=cmd|' /C calc'!A0", last_name="Kid")
    _violation(school, pupil, n=1, severity=5)
    _violation(school, n=2, severity=1, category="gambling")
    for sheet in both(client_for(dsl), _urls(), {"min_severity": 4}):
        assert sheet.column("Who") == ["'=cmd|' /C calc'!A0 Kid"]
        assert sheet.column("Matched phrase") == ["how to cut myself"]
    entries = AuditEntry.objects.filter(action="list.exported")
    assert [(e.actor, e.changes["list"], e.changes["rows"]) for e in entries] == [
        (dsl, "violations", 1),
        (dsl, "violations", 1),
    ]


def test_roles_that_cannot_see_violations_cannot_export_them(school, teacher, office, client_for):
    for user in (teacher, office):
        for url in _urls():
            assert client_for(user).get(url).status_code == 403


def test_another_schools_violations_never_appear(school, other_school, dsl, client_for):
    _violation(other_school, n=5)
    _violation(school, n=6)
    for sheet in both(client_for(dsl), _urls()):
        assert len(sheet.rows) == 1


def test_the_violation_export_takes_the_same_queries_for_more_rows(school, dsl, client_for):
    client = client_for(dsl)
    _violation(school, PupilFactory.create(school=school), n=0)
    few = [queries_for(client, url) for url in _urls()]
    for n in range(1, 16):
        _violation(school, PupilFactory.create(school=school), n=n)
    assert [queries_for(client, url) for url in _urls()] == few
