"""The media register: recording sets, removals for withdrawn consent and retention."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.consent.testing import answer
from warden.core.models import AuditEntry
from warden.people.models import Guardianship
from warden.publication.models import MediaSet, Removal
from warden.publication.services.media import media_set_record
from warden.publication.tasks import flag_sets_past_retention
from warden.testing.clients import signed_in

pytestmark = pytest.mark.django_db


def _parents(pupil):
    return [g.parent for g in Guardianship.objects.filter(pupil=pupil).order_by("pk")]


def _record(school, teacher, purpose, pupils, *, taken_on=None, title="Sports day"):
    return media_set_record(
        actor=teacher,
        school=school,
        title=title,
        location="Media Drive/2026/Sports day",
        purpose=purpose,
        taken_on=taken_on or dt.date.today(),
        pupils=pupils,
    )


def test_a_teacher_records_a_set_with_a_chosen_pupil_and_a_pasted_class_list(
    school, teacher, purposes, pupil_with_consent, pupil_without_consent
):
    response = signed_in(teacher).post(
        reverse("publication:media_create"),
        {
            "title": "Year 5 trip",
            "location": "https://drive.example.org/media/trip",
            "purpose": purposes["displays"].pk,
            "taken_on": dt.date.today().isoformat(),
            "pupils": [pupil_with_consent.pk],
            "pasted": "Bram Stoker (5B)",
        },
        follow=True,
    )
    media_set = MediaSet.objects.get(title="Year 5 trip")
    assert set(media_set.pupils.all()) == {pupil_with_consent, pupil_without_consent}
    assert media_set.recorded_by == teacher
    # Said at once: one pupil in the set has no consent for its purpose.
    page = response.content.decode()
    assert f"Not every pupil in this set may appear for {purposes['displays'].name}" in page
    assert "Bram Stoker" in page


def test_an_unknown_line_of_a_pasted_list_is_named_and_nothing_is_recorded(
    school, teacher, purposes
):
    response = signed_in(teacher).post(
        reverse("publication:media_create"),
        {
            "title": "Assembly",
            "location": "Media Drive/Assembly",
            "purpose": purposes["displays"].pk,
            "taken_on": dt.date.today().isoformat(),
            "pasted": "Nobody Atall (9Z)",
        },
    )
    assert response.status_code == 200
    assert "Line 1 (Nobody Atall (9Z))" in response.content.decode()
    assert not MediaSet.objects.exists()


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("javascript:alert(1)", "starts with https://"),
        ("file:///etc/passwd", "starts with https://"),
        ("https://", "not complete"),
        ("Photos", "full path"),
    ],
)
def test_a_location_that_is_neither_a_web_address_nor_a_path_is_refused(
    school, teacher, purposes, location, words
):
    response = signed_in(teacher).post(
        reverse("publication:media_create"),
        {
            "title": "Assembly",
            "location": location,
            "purpose": purposes["displays"].pk,
            "taken_on": dt.date.today().isoformat(),
        },
    )
    assert words in response.content.decode()
    assert not MediaSet.objects.exists()


def test_a_withdrawal_lists_every_set_with_the_pupil_at_once_and_the_tick_off_keeps_who(
    school, teacher, ict_manager, purposes, pupil_with_consent, pupil_without_consent
):
    first = _record(school, teacher, purposes["displays"], [pupil_with_consent])
    second = _record(
        school, teacher, purposes["website"], [pupil_with_consent], title="Science week"
    )
    other = _record(school, teacher, purposes["displays"], [pupil_without_consent], title="Art")

    # A parent withdraws through the consent service: the sets are listed in that moment.
    answer(pupil_with_consent, _parents(pupil_with_consent)[0], "displays", "withdrawn")

    open_now = Removal.objects.filter(done_at__isnull=True, kind="withdrawal")
    assert {r.media_set for r in open_now} == {first, second}
    assert other not in {r.media_set for r in open_now}
    reason = open_now[0].reason
    assert reason.startswith(f"Ada Lovelace withdrew consent for {purposes['displays'].name} on")

    client = signed_in(ict_manager)
    page = client.get(reverse("publication:purge")).content.decode()
    assert "Science week" in page and "Ada Lovelace withdrew consent" in page

    removal = Removal.objects.get(media_set=first)
    client.post(reverse("publication:removal_done", kwargs={"removal_pk": removal.pk}))
    removal.refresh_from_db()
    assert removal.done_by == ict_manager and removal.done_at is not None
    done_url = reverse("publication:removal_done", kwargs={"removal_pk": removal.pk})
    assert done_url not in client.get(reverse("publication:purge")).content.decode()
    assert AuditEntry.objects.filter(action="media_set.removal_done").count() == 1


def test_a_second_withdrawal_does_not_list_a_set_twice(
    school, teacher, purposes, pupil_with_consent
):
    _record(school, teacher, purposes["displays"], [pupil_with_consent])
    answer(pupil_with_consent, _parents(pupil_with_consent)[0], "displays", "withdrawn")
    answer(pupil_with_consent, _parents(pupil_with_consent)[1], "website", "withdrawn")
    assert Removal.objects.count() == 1


def test_the_daily_job_lists_sets_past_retention_and_the_tick_off_records_the_removal(
    school, teacher, headteacher, purposes
):
    with time_machine.travel(dt.datetime(2023, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        old = _record(school, teacher, purposes["displays"], [], title="Sports day 2023")
    with time_machine.travel(dt.datetime(2026, 5, 31, 12, tzinfo=dt.UTC), tick=False):
        recent = _record(school, teacher, purposes["displays"], [], title="Sports day 2026")
        flag_sets_past_retention.enqueue()
        assert not Removal.objects.exists()  # three years to the day not yet passed
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        flag_sets_past_retention.enqueue()
        flag_sets_past_retention.enqueue()  # listed once however often the job runs
        (removal,) = Removal.objects.all()
        assert removal.media_set == old and removal.kind == "retention"
        assert recent.removals.count() == 0

        client = signed_in(headteacher)
        assert "Sports day 2023" in client.get(reverse("publication:purge")).content.decode()
        client.post(reverse("publication:removal_done", kwargs={"removal_pk": removal.pk}))
    old.refresh_from_db()
    assert old.removed_by == headteacher and old.removed_at is not None
    # The register keeps the row as the record of its removal.
    assert "Removed" in signed_in(teacher).get(reverse("publication:media_list")).content.decode()


def test_the_retention_period_is_a_school_setting(school, teacher, headteacher, purposes):
    signed_in(headteacher).post(reverse("publication:settings"), {"retention_years": 1})
    with time_machine.travel(dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        _record(school, teacher, purposes["displays"], [])
    with time_machine.travel(dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC), tick=False):
        flag_sets_past_retention.enqueue()
    assert Removal.objects.filter(kind="retention").count() == 1


def test_governors_and_teachers_do_not_see_the_removals(school, teacher, governor):
    assert signed_in(teacher).get(reverse("publication:purge")).status_code == 403
    assert signed_in(governor).get(reverse("publication:purge")).status_code == 403
    assert signed_in(governor).get(reverse("publication:media_list")).status_code == 403


def test_the_siro_opens_a_set_from_the_purge_list_but_cannot_add_to_it(
    school, teacher, purposes, pupil_with_consent, pupil_without_consent
):
    from warden.core.roles import Role
    from warden.testing.factories import UserFactory, member

    siro = UserFactory.create(username="siro-media")
    member(siro, school, Role.SIRO)
    media_set = _record(school, teacher, purposes["displays"], [pupil_with_consent])
    answer(pupil_with_consent, _parents(pupil_with_consent)[0], "displays", "withdrawn")
    client = signed_in(siro)
    detail = reverse("publication:media_detail", kwargs={"media_pk": media_set.pk})
    assert detail in client.get(reverse("publication:purge")).content.decode()

    page = client.get(detail)
    assert page.status_code == 200
    assert "Ada Lovelace" in page.content.decode()
    assert "Add pupils" not in page.content.decode()
    refused = client.post(detail, {"pupils": [pupil_without_consent.pk]})
    assert refused.status_code == 403
    assert list(media_set.pupils.all()) == [pupil_with_consent]
