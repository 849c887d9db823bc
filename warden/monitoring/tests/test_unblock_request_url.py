"""An unblock request keeps the page's address as it was typed: only the host ignores case.

A YouTube id lower-cased is another video, so the approver saw, and unblocked, a different
page from the one the teacher asked for.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.monitoring.models.filtering import UnblockRequest

pytestmark = pytest.mark.django_db


def test_an_unblock_request_keeps_the_path_and_query_exactly_as_typed(school, teacher, client_for):
    wanted = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(teacher).post(
        reverse("monitoring:filter_request_list"),
        {
            "site": "https://www.YouTube.com/watch?v=dQw4w9WgXcQ#t=42",
            "reason": "Year 6 watch this clip in the science lesson on sound.",
            "wanted_until": wanted,
        },
        follow=True,
    )
    assert response.status_code == 200
    made = UnblockRequest.objects.get(school=school)
    # The host is case-insensitive and loses "www."; the video id keeps its case.
    assert made.site == "youtube.com/watch?v=dQw4w9WgXcQ"
    assert "youtube.com/watch?v=dQw4w9WgXcQ" in response.content.decode()
