"""The demo loader raises one worked concern per school, once; every safeguarding page opens
for the DSL and deputy."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.safeguarding import services
from warden.safeguarding.demo import load_safeguarding
from warden.safeguarding.models import WelfareConcern
from warden.testing.factories import PupilFactory


def test_the_demo_raises_one_worked_concern_and_adds_nothing_the_second_time(
    school, dsl, self_harm_alert
):
    today = timezone.localdate()
    assert load_safeguarding(school=school, today=today, seed=1) == {"welfare concerns": 1}
    assert load_safeguarding(school=school, today=today, seed=1) == {}
    concern = WelfareConcern.objects.get()
    assert concern.assessment and concern.parents == "informed"
    assert concern.referrals.get().agency == "counsellor"


def test_every_safeguarding_page_opens_for_the_dsl_and_deputy(
    school, dsl, deputy, self_harm_alert, client_for
):
    load_safeguarding(school=school, today=timezone.localdate(), seed=1)
    concern = WelfareConcern.objects.get()
    for user in (dsl, deputy):
        client = client_for(user)
        for url in (
            reverse("safeguarding:list"),
            reverse("safeguarding:list") + "?status=all",
            reverse("safeguarding:new"),
            reverse("safeguarding:settings"),
            reverse("safeguarding:detail", args=[concern.pk]),
            reverse("core:dashboard"),
        ):
            assert client.get(url).status_code == 200, url
    dashboard = client_for(dsl).get(reverse("core:dashboard")).content.decode()
    assert "open welfare concern" in dashboard


def test_the_list_of_concerns_runs_a_fixed_number_of_queries(school, dsl, client_for):
    def raise_for_new_pupil() -> None:
        services.concern_raise(
            actor=dsl,
            school=school,
            person=PupilFactory.create(school=school, year_group=8, form="8A"),
            category="other",
            summary="A worry.",
        )

    raise_for_new_pupil()
    client = client_for(dsl)
    url = reverse("safeguarding:list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        raise_for_new_pupil()
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "13 concerns" in page
    assert len(many) == len(few)
