"""The unblock request form offers the groups an unblocking can be for, starting at the
requester's own."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from warden.monitoring.models.filtering import FilterGroup, UnblockRequest
from warden.monitoring.services.standard_groups import standard_groups_create
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _options(page: str) -> dict[str, str]:
    select = re.search(r'<select name="group"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return {
        label.strip(): attrs
        for attrs, label in re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(1))
    }


def test_no_internet_is_never_offered_and_the_requesters_group_comes_first(
    school, teacher, filtering_dir, client_for
):
    standard_groups_create(school=school)
    PersonFactory.create(school=school, user=teacher)  # a teacher: the Staff group
    page = client_for(teacher).get(reverse("monitoring:filter_request_list")).content.decode()
    options = _options(page)
    assert "No internet" not in options
    assert "Key stage 2" in options
    assert "selected" in options["Staff"]
    no_internet = FilterGroup.objects.get(school=school, slug="no-internet")
    response = client_for(teacher).post(
        reverse("monitoring:filter_request_list"),
        {
            "site": "https://www.youtube.com/watch?v=AbC",
            "group": no_internet.pk,
            "reason": "A video for the lesson",
            "wanted_until": "2030-01-01T10:00",
        },
    )
    assert response.status_code == 400  # the form again, with the error beside the field
    assert "Select a valid choice" in response.content.decode()
    assert not UnblockRequest.objects.exists()
