"""The public block page: names the site and category, and takes over-blocking reports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.monitoring.filtering_rules import BLOCK_PAGE_REPORTS_PER_HOUR
from warden.monitoring.models.filtering import UnblockRequest
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    BASE_URL,
    GAMBLING_DOMAIN,
    engine_for,
    make_groups,
)

pytestmark = pytest.mark.django_db


def _blocked_url(school, published, ut1_dir) -> str:
    with published():
        make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    decision = engine_for(school).decide(
        f"http://www.{GAMBLING_DOMAIN}/casino?x=1", client_ip="10.1.0.7"
    )
    assert decision.blocked and decision.redirect_url
    return decision.redirect_url


def test_engine_redirects_to_the_block_page_which_names_site_and_category(
    school, filtering_dir, ut1_dir, published
):
    redirect_url = _blocked_url(school, published, ut1_dir)
    path = reverse("monitoring:filter_blocked", kwargs={"school_slug": school.slug})
    assert redirect_url.startswith(BASE_URL + path + "?")
    page = Client().get(redirect_url.removeprefix(BASE_URL))
    assert page.status_code == 200
    body = page.content.decode()
    assert GAMBLING_DOMAIN in body
    assert "Gambling" in body
    assert "Think this site should not be blocked?" in body


def test_a_pupil_reports_over_blocking_without_signing_in(
    school, filtering_dir, ut1_dir, published
):
    redirect_url = _blocked_url(school, published, ut1_dir)
    client = Client()
    page = client.get(redirect_url.removeprefix(BASE_URL))
    assert page.status_code == 200
    path = reverse("monitoring:filter_blocked", kwargs={"school_slug": school.slug})
    response = client.post(
        path,
        {
            "url": f"http://www.{GAMBLING_DOMAIN}/casino?x=1",
            "category": "gambling",
            "group": "ks3",
            "reason_code": "Gambling is blocked for Key stage 3",
            "requester_name": "A pupil in 9C",
            "reason": "Our maths homework on probability links here",
            "hours": "24",
        },
        REMOTE_ADDR="10.1.0.7",
    )
    assert response.status_code == 200
    assert b"has been sent" in response.content
    request = UnblockRequest.objects.get()
    assert request.site == GAMBLING_DOMAIN
    assert request.group is not None and request.group.slug == "ks3"
    assert request.requested_by is None and request.requester_name == "A pupil in 9C"
    assert request.via_block_page and request.client_ip == "10.1.0.7"
    assert AuditEntry.objects.filter(action="filtering.request_created").exists()


def test_reports_need_a_name_and_a_reason_and_are_rate_limited(
    school, filtering_dir, ut1_dir, published
):
    _blocked_url(school, published, ut1_dir)
    path = reverse("monitoring:filter_blocked", kwargs={"school_slug": school.slug})
    client = Client()
    empty = client.post(path, {"url": f"http://{GAMBLING_DOMAIN}/", "category": "gambling"})
    assert empty.status_code == 400
    assert not UnblockRequest.objects.exists()
    for n in range(BLOCK_PAGE_REPORTS_PER_HOUR + 1):
        response = client.post(
            path,
            {
                "url": f"http://site{n}.{GAMBLING_DOMAIN}/",
                "category": "gambling",
                "requester_name": "A pupil",
                "reason": "I need this for my homework please",
                "hours": "1",
            },
            REMOTE_ADDR="10.1.0.8",
        )
    assert response.status_code == 400
    assert b"Too many requests" in response.content
    assert UnblockRequest.objects.count() == BLOCK_PAGE_REPORTS_PER_HOUR


def test_illegal_content_and_no_policy_offer_no_report(school, filtering_dir):
    path = reverse("monitoring:filter_blocked", kwargs={"school_slug": school.slug})
    illegal = Client().get(path, {"url": "http://bad.test/", "category": "child-sexual-abuse"})
    assert b"cannot be unblocked" in illegal.content
    assert b"Think this site" not in illegal.content
    none = Client().get(path, {"url": "http://bbc.co.uk/", "reason": "no valid policy"})
    assert b"no policy loaded" in none.content
    assert b"Think this site" not in none.content


def test_block_page_of_an_unknown_school_is_not_found(db):
    response = Client().get(reverse("monitoring:filter_blocked", kwargs={"school_slug": "nope"}))
    assert response.status_code == 404
