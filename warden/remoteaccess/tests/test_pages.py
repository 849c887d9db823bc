"""The remote-access pages through HTTP: who may see them, acknowledging an alert, the
filtered event list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.core.models import AuditEntry
from warden.remoteaccess.models import AlertState, EventKind, RemoteAccessAlert, RemoteAccessEvent

pytestmark = pytest.mark.django_db


def _event(school, n: int, **fields) -> RemoteAccessEvent:
    defaults = {
        "school": school,
        "event_id": f"e{n}",
        "ts": timezone.now() - dt.timedelta(minutes=n),
        "kind": EventKind.FAILED,
        "username": "jsmith",
        "remote_address": "198.51.100.7",
        "fmt": "openvpn",
    }
    return RemoteAccessEvent.objects.create(**{**defaults, **fields})


@pytest.fixture
def alert(school, staff_member) -> RemoteAccessAlert:
    now = timezone.now()
    return RemoteAccessAlert.objects.create(
        school=school,
        username="jsmith",
        person=staff_member,
        window_start=now - dt.timedelta(minutes=3),
        window_end=now,
        failed_count=12,
        opened_at=now,
    )


def test_only_systems_staff_see_remote_access(
    school, alert, ict_manager, headteacher, technician, teacher, dsl, governor, client_for
):
    for user in (ict_manager, headteacher):
        for name in ("remoteaccess:overview", "remoteaccess:event_list"):
            assert client_for(user).get(reverse(name)).status_code == 200
    for user in (technician, teacher, dsl, governor):
        assert client_for(user).get(reverse("remoteaccess:overview")).status_code == 403
        assert client_for(user).get(reverse("remoteaccess:event_list")).status_code == 403
        acknowledge = reverse("remoteaccess:alert_acknowledge", args=[alert.pk])
        assert client_for(user).post(acknowledge, {f"alert{alert.pk}-note": "x"}).status_code == 403


def test_the_page_counts_and_lists_the_open_alert(school, alert, ict_manager, client_for):
    _event(school, 1)
    _event(school, 2, kind=EventKind.CONNECTED, username="bjones")
    page = client_for(ict_manager).get(reverse("remoteaccess:overview"))
    assert page.context["figures"].failed_24h == 1
    assert page.context["figures"].open_alerts == 1
    assert b"Jane Smith" in page.content and b"Acknowledge" in page.content
    assert b"Remote access" in page.content  # the menu entry


def test_acknowledging_needs_a_note_and_is_audited(school, alert, ict_manager, client_for):
    url = reverse("remoteaccess:alert_acknowledge", args=[alert.pk])
    client = client_for(ict_manager)
    refused = client.post(url, {f"alert{alert.pk}-note": ""})
    assert refused.status_code == 400 and b"This field is required" in refused.content
    done = client.post(url, {f"alert{alert.pk}-note": "Forgot the new password."})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == ict_manager
    assert AuditEntry.objects.filter(action="remote_access.alert_acknowledged").exists()
    assert client.post(url, {f"alert{alert.pk}-note": "again"}).status_code == 400


def test_the_event_list_filters_and_pages(school, staff_member, ict_manager, client_for):
    for n in range(60):
        _event(school, n, person=staff_member if n % 2 else None)
    _event(school, 100, kind=EventKind.CONNECTED, username="bjones", remote_address="203.0.113.9")
    client = client_for(ict_manager)
    first = client.get(reverse("remoteaccess:event_list"))
    assert first.context["page"].paginator.count == 61
    assert len(first.context["page"].object_list) == 50
    by_kind = client.get(reverse("remoteaccess:event_list"), {"kind": "connected"})
    assert [e.username for e in by_kind.context["page"]] == ["bjones"]
    by_address = client.get(reverse("remoteaccess:event_list"), {"address": "203.0.113"})
    assert by_address.context["page"].paginator.count == 1
    by_person = client.get(reverse("remoteaccess:event_list"), {"who": "Jane"})
    assert by_person.context["page"].paginator.count == 30
    today = timezone.localdate().isoformat()
    dated = client.get(
        reverse("remoteaccess:event_list"), {"since": "2000-01-01", "until": "2000-01-02"}
    )
    assert dated.context["page"].paginator.count == 0
    assert client.get(reverse("remoteaccess:event_list"), {"since": today}).status_code == 200
    partial = client.get(reverse("remoteaccess:event_list"), headers={"HX-Request": "true"})
    assert partial.content.startswith(b'<div id="results">')


def test_the_event_list_does_not_query_per_row(
    school, staff_member, ict_manager, client_for, django_assert_max_num_queries
):
    for n in range(30):
        _event(school, n, person=staff_member)
    client = client_for(ict_manager)
    client.get(reverse("remoteaccess:event_list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("remoteaccess:event_list"))


def test_the_rule_is_changed_by_those_who_configure_the_school(
    school, ict_manager, headteacher, client_for
):
    url = reverse("remoteaccess:settings_update")
    bad = client_for(ict_manager).post(url, {"burst_failures": 1, "burst_minutes": 5})
    assert bad.status_code == 400
    ok = client_for(ict_manager).post(url, {"burst_failures": 4, "burst_minutes": 2})
    assert ok.status_code == 302
    page = client_for(headteacher).get(reverse("remoteaccess:overview"))
    assert b"when 4 attempts fail within 2 minutes" in page.content
    assert AuditEntry.objects.filter(action="remote_access.settings_changed").exists()


def _alerts(school, count: int) -> list[RemoteAccessAlert]:
    """``count`` open alerts, the first the newest (listed first)."""
    now = timezone.now()
    return [
        RemoteAccessAlert.objects.create(
            school=school,
            username=f"user{n:02d}",
            window_start=now - dt.timedelta(hours=n, minutes=3),
            window_end=now - dt.timedelta(hours=n),
            failed_count=10,
            opened_at=now - dt.timedelta(hours=n),
        )
        for n in range(count)
    ]


def test_the_alerts_are_paged(school, ict_manager, client_for):
    made = _alerts(school, 23)
    client = client_for(ict_manager)
    first = client.get(reverse("remoteaccess:overview"))
    assert [a.pk for a, _ in first.context["alerts"]] == [a.pk for a in made[:20]]
    assert b"23 alerts" in first.content and b"Page 1 of 2" in first.content
    second = client.get(reverse("remoteaccess:overview"), {"page": 2})
    assert [a.pk for a, _ in second.context["alerts"]] == [a.pk for a in made[20:]]
    assert b"user22" in second.content and b"user00" not in second.content


def test_an_acknowledge_error_shows_on_the_page_of_its_alert(school, ict_manager, client_for):
    last = _alerts(school, 23)[-1]
    client = client_for(ict_manager)
    url = reverse("remoteaccess:alert_acknowledge", args=[last.pk])
    refused = client.post(url, {f"alert{last.pk}-note": ""})
    assert refused.status_code == 400
    assert refused.context["page"].number == 2
    assert b"This field is required" in refused.content
    # The pages' links lead to the overview, not to the address posted to.
    assert f'href="{reverse("remoteaccess:overview")}?page=1"'.encode() in refused.content


def test_acknowledging_an_acknowledged_alert_says_why_it_failed(
    school, alert, ict_manager, client_for
):
    url = reverse("remoteaccess:alert_acknowledge", args=[alert.pk])
    client = client_for(ict_manager)
    assert client.post(url, {f"alert{alert.pk}-note": "First look."}).status_code == 302
    again = client.post(url, {f"alert{alert.pk}-note": "Second look."})
    assert again.status_code == 400
    assert b"already been acknowledged" in again.content
