"""Exceptions and unblock requests: who may ask and approve, expiry, the illegal rule."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.monitoring.models.filtering import FilterException, RequestStatus, UnblockRequest
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    GAMBLING_DOMAIN,
    engine_for,
    in_hours,
    make_groups,
)

pytestmark = pytest.mark.django_db
PUPIL_IP = "10.1.4.4"
URL = f"http://www.{GAMBLING_DOMAIN}/poker-maths"


@pytest.fixture
def gambling_school(school, filtering_dir, ut1_dir, published):
    with published():
        groups = make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir)
    return groups


def test_request_then_approval_opens_the_site_and_it_lapses_by_itself(
    school, gambling_school, teacher, dsl, published
):
    start = timezone.now()
    assert engine_for(school).decide(URL, client_ip=PUPIL_IP).blocked
    request = services.request_create(
        actor=teacher,
        school=school,
        site=URL,
        group=gambling_school["ks3"],
        reason="Probability lesson on the odds of poker hands",
        wanted_until=start + dt.timedelta(hours=2),
    )
    assert request.site == f"{GAMBLING_DOMAIN}/poker-maths"
    with published():
        exception = services.request_approve(actor=dsl, request=request)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.exception == exception
    engine = engine_for(school)
    now = start.timestamp()
    decision = engine.decide(URL, client_ip=PUPIL_IP, now=now + 60)
    assert not decision.blocked
    assert "exception" in decision.reason
    # Other groups are unaffected; the guests still meet the block.
    assert engine.decide(URL, client_ip="192.168.9.9", now=now + 60).blocked
    # Two hours on, the same snapshot blocks again: the expiry travels with the exception.
    assert engine.decide(URL, client_ip=PUPIL_IP, now=now + 3 * 3600).blocked
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert FilterException.objects.get().state_at(timezone.now()) == "lapsed"
        with published():
            services.snapshot_publish(school=school, reason="later")
        engine = engine_for(school)
        assert engine.decide(URL, client_ip=PUPIL_IP).blocked
        policy = engine.policy()
        assert policy is not None and policy.snapshot.exceptions == ()


def test_an_exception_never_opens_an_illegal_category(school, filtering_dir, dsl, tmp_path):
    make_groups(school)
    plain = tmp_path / "iwf.txt"
    plain.write_text("illegal-example.test\n")
    services.list_import(
        actor=None, school=school, fmt="domains", path=plain, category="child-sexual-abuse"
    )
    with pytest.raises(ServiceError, match="illegal content"):
        services.exception_create(
            actor=dsl,
            school=school,
            site="http://illegal-example.test/x",
            group=None,
            reason="no",
            expires_at=in_hours(1),
        )
    with pytest.raises(ServiceError, match="illegal content"):
        services.entry_add(
            actor=None,
            school=school,
            site="illegal-example.test",
            action="allow",
            category="trusted",
            reason="no",
        )
    assert not FilterException.objects.exists()


def test_exception_expiry_must_be_soon_and_in_the_future(school, gambling_school, dsl):
    for expires, message in ((in_hours(-1), "in the future"), (in_hours(24 * 100), "at most")):
        with pytest.raises(ServiceError, match=message):
            services.exception_create(
                actor=dsl,
                school=school,
                site=GAMBLING_DOMAIN,
                group=None,
                reason="maths",
                expires_at=expires,
            )


def test_teacher_can_request_but_not_approve(
    school, gambling_school, teacher, client_for, published
):
    client = client_for(teacher)
    response = client.post(
        reverse("monitoring:filter_request_list"),
        {
            "site": URL,
            "group": gambling_school["ks3"].pk,
            "reason": "Probability lesson with Year 9",
            "wanted_until": (timezone.localtime() + dt.timedelta(hours=3)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = UnblockRequest.objects.get()
    assert request.requested_by == teacher
    assert (
        client.get(
            reverse("monitoring:filter_request_detail", kwargs={"filter_request_pk": request.pk})
        ).status_code
        == 200
    )
    approve = client.post(
        reverse("monitoring:filter_request_approve", kwargs={"filter_request_pk": request.pk}),
        {"site": GAMBLING_DOMAIN, "expires_at": "2030-01-01T10:00"},
    )
    assert approve.status_code == 403
    assert (
        client.post(
            reverse("monitoring:filter_exception_list"),
            {"site": GAMBLING_DOMAIN, "reason": "x", "expires_at": "2030-01-01T10:00"},
        ).status_code
        == 403
    )
    with pytest.raises(ServiceError, match="may approve"):
        services.request_approve(actor=teacher, request=request)
    assert not FilterException.objects.exists()


def test_teacher_sees_only_their_own_requests(school, gambling_school, teacher, client_for):
    other = services.request_create(
        actor=None,
        school=school,
        site=GAMBLING_DOMAIN,
        reason="A pupil asked from the block page",
        requester_name="A pupil",
        wanted_until=in_hours(1),
    )
    client = client_for(teacher)
    assert (
        client.get(
            reverse("monitoring:filter_request_detail", kwargs={"filter_request_pk": other.pk})
        ).status_code
        == 403
    )
    assert b"A pupil" not in client.get(reverse("monitoring:filter_request_list")).content


def test_dsl_approves_through_the_page_and_pending_requests_come_first(
    school, gambling_school, teacher, dsl, client_for, published
):
    first = services.request_create(
        actor=teacher,
        school=school,
        site="bet365.com",
        reason="Statistics project on odds",
        wanted_until=in_hours(2),
    )
    services.request_refuse(actor=dsl, request=first, note="Use the printed odds tables")
    second = services.request_create(
        actor=teacher,
        school=school,
        site=GAMBLING_DOMAIN,
        group=gambling_school["ks3"],
        reason="Probability lesson on poker hands",
        wanted_until=in_hours(2),
    )
    client = client_for(dsl)
    listing = client.get(reverse("monitoring:filter_request_list")).content.decode()
    assert listing.index(GAMBLING_DOMAIN) < listing.index("bet365.com")
    until = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with published():
        response = client.post(
            reverse("monitoring:filter_request_approve", kwargs={"filter_request_pk": second.pk}),
            {"site": GAMBLING_DOMAIN, "group": gambling_school["ks3"].pk, "expires_at": until},
        )
    assert response.status_code == 302
    assert not engine_for(school).decide(URL, client_ip=PUPIL_IP).blocked
    actions = set(
        AuditEntry.objects.filter(action__startswith="filtering.request").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "filtering.request_created",
        "filtering.request_refused",
        "filtering.request_approved",
    }


def test_the_request_page_keeps_approve_and_refuse_notes_apart(
    school, gambling_school, teacher, dsl, client_for
):
    unblock = services.request_create(
        actor=teacher,
        school=school,
        site=GAMBLING_DOMAIN,
        reason="Probability lesson on poker hands",
        wanted_until=in_hours(2),
    )
    client = client_for(dsl)
    detail = reverse("monitoring:filter_request_detail", kwargs={"filter_request_pk": unblock.pk})
    page = client.get(detail).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
    assert '<label for="id_refuse_note">Why it is refused' in page
    response = client.post(
        reverse("monitoring:filter_request_refuse", kwargs={"filter_request_pk": unblock.pk}),
        {"note": "Use the printed odds tables"},
    )
    assert response.status_code == 302
    unblock.refresh_from_db()
    assert unblock.status == RequestStatus.REFUSED
    assert unblock.decision_note == "Use the printed odds tables"


def test_revoking_an_exception_blocks_again(school, gambling_school, dsl, published):
    with published():
        exception = services.exception_create(
            actor=dsl,
            school=school,
            site=GAMBLING_DOMAIN,
            group=None,
            reason="Assembly on gambling harms",
            expires_at=in_hours(1),
        )
    assert not engine_for(school).decide(URL, client_ip=PUPIL_IP).blocked
    with published():
        services.exception_revoke(actor=dsl, exception=exception, reason="Assembly finished")
    assert engine_for(school).decide(URL, client_ip=PUPIL_IP).blocked


def test_school_allow_entry_opens_a_listed_site_for_every_group(school, gambling_school, published):
    with published():
        services.entry_add(
            actor=None,
            school=school,
            site="www.bet365.com",
            action="allow",
            category="education",
            reason="Financial literacy course",
        )
        services.entry_add(
            actor=None,
            school=school,
            site="http://games.example.org/arcade",
            action="block",
            category="games",
            reason="Distracting",
        )
    engine = engine_for(school)
    assert not engine.decide("http://bet365.com/", client_ip=PUPIL_IP).blocked
    assert engine.decide(URL, client_ip=PUPIL_IP).blocked
    decision = engine.decide("http://games.example.org/arcade/1", client_ip=PUPIL_IP)
    assert "games" in decision.categories


def test_an_allowed_site_goes_into_an_allow_list_category(school, filtering_dir):
    make_groups(school)
    with pytest.raises(ServiceError) as refused:
        services.entry_add(
            actor=None,
            school=school,
            site="example.org",
            action="allow",
            category="games",
            reason="Lesson",
        )
    assert "allow-list category" in refused.value.field_errors["category"][0]


def test_a_group_with_exceptions_in_force_is_not_deleted(school, gambling_school, dsl):
    services.exception_create(
        actor=dsl,
        school=school,
        site=GAMBLING_DOMAIN,
        group=gambling_school["ks3"],
        reason="Statistics lesson",
        expires_at=in_hours(1),
    )
    with pytest.raises(ServiceError, match="in force"):
        services.group_delete(actor=dsl, group=gambling_school["ks3"], reason="Merged")


def test_an_empty_unblock_request_says_what_to_fill_in(school, teacher, client_for):
    response = client_for(teacher).post(
        reverse("monitoring:filter_request_list"), {"site": "", "reason": "", "wanted_until": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Type the address of the site or page to unblock" in page
    assert "Say what the class needs the site for" in page
    assert "This field is required." not in page
    assert not UnblockRequest.objects.exists()
