"""Every equipment page renders for a headteacher, with the demo's data and each object."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from warden.equipment.demo import load
from warden.equipment.tests.object_makers import OBJECT_MAKERS
from warden.testing.exports import body
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

MAKERS = dict(OBJECT_MAKERS)


def _equipment_patterns() -> list[tuple[str, URLPattern]]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "equipment":
            return [
                (f"equipment:{p.name}", p)
                for p in entry.url_patterns
                if isinstance(p, URLPattern) and p.name
            ]
    raise AssertionError("the equipment URLs are not mounted")


def test_every_page_answers_without_error(school, headteacher, client_for):
    for _ in range(4):
        PersonFactory.create(school=school)
    load(school=school, today=timezone.localdate(), seed=3)
    client = client_for(headteacher)
    for name, pattern in _equipment_patterns():
        if name == "equipment:accept_public":
            continue
        kwargs = {kw: MAKERS[kw](school) for kw in pattern.pattern.converters}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code in {200, 302, 404, 405}, name
        # Every chooser says what to choose; none opens on Django's row of dashes.
        assert b"---------" not in body(response), name
        if response.status_code == 404:
            # A batch made up here has no certificate yet.
            assert name == "equipment:disposal_certificate", name
