"""The monitoring demo loader: a starter library and a few violations, once."""

from __future__ import annotations

from django.utils import timezone

from warden.monitoring.demo import load_monitoring
from warden.monitoring.models import Keyword, Violation
from warden.testing.factories import PupilFactory


def test_the_demo_loader_adds_a_library_and_violations_once(school):
    PupilFactory.create_batch(3, school=school)
    today = timezone.localdate()
    first = load_monitoring(school=school, today=today, seed=1)
    assert first["keywords"] == Keyword.objects.filter(school=school).count() > 200
    assert first["violations"] == Violation.objects.filter(school=school).count() >= 5
    assert Violation.objects.filter(school=school, severity=5, person__isnull=False).exists()
    again = load_monitoring(school=school, today=today, seed=1)
    assert set(again.values()) == {0}
