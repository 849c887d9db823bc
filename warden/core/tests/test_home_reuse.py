"""A home page's figures are kept for each user until something may have changed
(``core.dashboard.reused``): a change through any page shows at once, to everyone; one made
without a page (a nightly job, violations arriving) within a minute."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.core.models import ChangeMark, User
from warden.core.tests.test_role_homes import alert, main_of, panel
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _to_triage(response: Any) -> int:
    overview = panel(response, "Overview").context
    return next(f.value for f in overview["headlines"] if f.area == "Monitoring triage")


def _home(client: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response, len(queries)


def test_the_overview_is_worked_out_once_while_nothing_changes(school, headteacher, client_for):
    client = client_for(headteacher)
    first, asked = _home(client)
    again, asked_again = _home(client)
    assert main_of(again) == main_of(first)
    assert asked_again < asked - 10


def test_a_change_through_any_page_shows_at_once_to_everyone(
    school, headteacher, office, client_for
):
    from warden.equipment.tests.factories import AssetFactory

    head = client_for(headteacher)
    assert "Possible data breach" not in main_of(head.get(reverse("core:dashboard")))
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    client_for(office).post(
        reverse("equipment:loss_create", kwargs={"asset_pk": laptop.pk}),
        {"kind": "lost", "circumstances": "Left on the bus."},
    )
    assert ChangeMark.objects.get().at > 0
    assert "Possible data breach" in main_of(head.get(reverse("core:dashboard")))


def test_a_change_without_a_page_shows_within_a_minute(school, headteacher, client_for):
    client = client_for(headteacher)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        assert _to_triage(client.get(reverse("core:dashboard"))) == 0
        alert(school, PupilFactory.create(school=school))  # as ingestion hands it over
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        assert _to_triage(client.get(reverse("core:dashboard"))) == 0
    with time_machine.travel(now + dt.timedelta(seconds=61), tick=False):
        assert _to_triage(client.get(reverse("core:dashboard"))) == 1


def test_what_one_user_was_shown_is_never_shown_to_another(school, headteacher, client_for):
    from warden.core.roles import Role
    from warden.testing.factories import UserFactory, member

    pupil = PupilFactory.create(school=school)
    alert(school, pupil)
    first = client_for(headteacher)
    assert _to_triage(first.get(reverse("core:dashboard"))) == 1
    # Another headteacher's first view works the figures out for them, not from the first's.
    other: User = UserFactory.create(username="secondhead")
    member(other, school, Role.HEADTEACHER)
    _response, asked = _home(client_for(other))
    _again, asked_by_first = _home(first)
    assert asked > asked_by_first + 10
