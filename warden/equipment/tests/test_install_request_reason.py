"""Asking for software: a reason too short to say what it is for is refused in words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.equipment.models import InstallRequest

pytestmark = pytest.mark.django_db


def test_a_short_reason_is_refused_with_the_minimum_length(school, teacher, client_for):
    response = client_for(teacher).post(
        reverse("equipment:install_request_list"),
        {"software_name": "Scratch", "asset_tag": "", "reason": "art"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reason"] == [
        "Say what the software is for in at least 5 characters "
        "(for example, \u201cYear 4 coding unit\u201d)."
    ]
    assert "at least 5 characters" in response.content.decode()
    assert not InstallRequest.objects.exists()


def test_a_reason_that_says_what_it_is_for_is_sent(school, teacher, client_for):
    response = client_for(teacher).post(
        reverse("equipment:install_request_list"),
        {"software_name": "Scratch", "asset_tag": "", "reason": "Year 4 coding unit"},
    )
    assert response.status_code == 302
    assert InstallRequest.objects.get().reason == "Year 4 coding unit"
