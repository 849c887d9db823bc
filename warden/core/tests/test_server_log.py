"""The server log: a refused page is one line, a server error keeps its traceback."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_refused_page_writes_one_line_with_its_reason(caplog, governor, client_for):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(governor).get(reverse("people:list"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    line = logging.Formatter("%(levelname)s %(message)s").format(records[0])
    assert "\n" not in line, line
    assert "Traceback" not in line
    assert line.startswith("WARNING Forbidden (Permission denied): /people/")
    assert "does not allow this" in line


def test_a_missing_object_writes_one_line(caplog, headteacher, client_for):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(headteacher).get(reverse("people:detail", args=[999999]))
    assert response.status_code == 404
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert "\n" not in logging.Formatter().format(record)
