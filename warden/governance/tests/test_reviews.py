"""The annual filtering and monitoring review: pre-filled from live data, kept as started,
refreshed in draft, completed only when whole, printable."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.governance.models import FilteringReview
from warden.governance.services import reviews
from warden.monitoring.models.filtering import UnblockRequest
from warden.monitoring.services.filtering import group_create

pytestmark = pytest.mark.django_db


def _facts(review: FilteringReview, key: str) -> dict[str, Any]:
    check = next(c for c in review.snapshot["checks"] if c["key"] == key)
    return dict(check["facts"])


def _group(school, name: str, slug: str) -> None:
    group_create(
        actor=None,
        school=school,
        fields={"name": name, "slug": slug, "default_action": "allow", "person_types": ["pupil"]},
    )


def _this_year() -> int:
    return reviews.school_year(timezone.localdate())


def test_the_review_is_pre_filled_from_live_data(school, dsl, client_for):
    _group(school, "Year 7 pupils", "y7")
    client = client_for(dsl)
    response = client.post(
        reverse("governance:review_start"), {"year": _this_year(), "test_sites": "example.com"}
    )
    assert response.status_code == 302, response.content.decode()
    review = FilteringReview.objects.get(school=school)
    assert "Year 7 pupils" in _facts(review, "groups")
    assert _facts(review, "changes")["Changes logged in the year"] >= 1
    page = client.get(response["Location"]).content.decode()
    assert "Year 7 pupils" in page and "Changes logged in the year" in page


def test_the_snapshot_stays_until_refreshed(school):
    review = reviews.review_start(actor=None, school=school, year=_this_year(), test_sites=[])
    assert "Later group" not in _facts(review, "groups")
    _group(school, "Later group", "later")
    review.refresh_from_db()
    assert "Later group" not in _facts(review, "groups")
    reviews.review_refresh(actor=None, review=review)
    assert "Later group" in _facts(review, "groups")


def test_a_review_is_completed_only_with_every_check_and_participant(school):
    review = reviews.review_start(actor=None, school=school, year=_this_year(), test_sites=[])
    with pytest.raises(ServiceError) as refused:
        reviews.review_complete(actor=None, review=review)
    assert "answer every check" in refused.value.message
    answers = {c["key"]: {"answer": "met", "evidence": ""} for c in review.snapshot["checks"]}
    people = [{"role": r, "name": f"The {r}"} for r, _label in reviews.PARTICIPANT_ROLES]
    reviews.review_update(
        actor=None, review=review, participants=people, answers=answers, summary="All met."
    )
    reviews.review_complete(actor=None, review=review)
    with pytest.raises(ServiceError):
        reviews.review_refresh(actor=None, review=review)


def test_one_review_a_year(school):
    reviews.review_start(actor=None, school=school, year=_this_year(), test_sites=[])
    with pytest.raises(ServiceError):
        reviews.review_start(actor=None, school=school, year=_this_year(), test_sites=[])


def test_governors_read_the_review_without_names(school, governor, client_for):
    review = reviews.review_start(actor=None, school=school, year=_this_year(), test_sites=[])
    reviews.review_update(
        actor=None,
        review=review,
        participants=[{"role": "dsl", "name": "Pat Participant"}],
        answers={},
        summary="",
    )
    reviews.review_action_add(
        actor=None,
        review=review,
        text="Add a list",
        owner="Pat Participant",
        due_on=timezone.localdate(),
    )
    for name in ("review_detail", "review_print"):
        url = reverse(f"governance:{name}", kwargs={"filtering_review_pk": review.pk})
        body = client_for(governor).get(url).content.decode()
        assert "Pat Participant" not in body and "Add a list" in body


def test_unblock_requests_are_counted(school):
    before = reviews.review_start(actor=None, school=school, year=_this_year() - 1, test_sites=[])
    assert _facts(before, "requests")["Requests in the year"] == UnblockRequest.objects.count()
