"""Welfare concerns are confidential to the DSL and deputies, plus explicit, audited grants."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.models import AuditEntry
from warden.safeguarding import services
from warden.safeguarding.models import WelfareConcern


@pytest.fixture
def concern(school, dsl, self_harm_alert) -> WelfareConcern:
    return services.concern_from_violations(actor=dsl, violations=[self_harm_alert])


@pytest.mark.parametrize(
    "who", ["teacher", "ict_manager", "governor", "headteacher", "technician", "office"]
)
def test_other_roles_of_the_school_cannot_find_a_concern(request, who, concern, client_for):
    client = client_for(request.getfixturevalue(who))
    for name in ("detail", "pdf", "csv"):
        assert client.get(reverse(f"safeguarding:{name}", args=[concern.pk])).status_code == 404
    assert client.get(reverse("safeguarding:list")).status_code == 404
    response = client.post(
        reverse("safeguarding:referral_add", args=[concern.pk]),
        {"agency": "police", "made_on": "2026-01-01"},
    )
    assert response.status_code == 404
    assert not concern.referrals.exists()


def test_another_school_cannot_find_a_concern(concern, other_school_user, client_for):
    client = client_for(other_school_user)
    assert client.get(reverse("safeguarding:detail", args=[concern.pk])).status_code == 404


def test_the_deputy_dsl_reads_and_handles_a_concern(concern, deputy, client_for):
    client = client_for(deputy)
    assert client.get(reverse("safeguarding:detail", args=[concern.pk])).status_code == 200
    assert client.get(reverse("safeguarding:list")).status_code == 200


def test_a_grant_lets_one_person_read_one_concern_and_is_audited(
    school, concern, dsl, headteacher, pupil, client_for
):
    head = client_for(headteacher)
    url = reverse("safeguarding:detail", args=[concern.pk])
    assert head.get(url).status_code == 404
    client_for(dsl).post(
        reverse("safeguarding:access_add", args=[concern.pk]),
        {"user": headteacher.pk, "reason": "Chairs the team around the child."},
    )
    grant = AuditEntry.objects.get(action="welfare_concern.access_granted")
    assert grant.changes["reason"] == [None, "Chairs the team around the child."]
    page = head.get(url)
    assert page.status_code == 200 and "Robin" in page.content.decode()
    dashboard = head.get(reverse("core:dashboard")).content.decode()
    assert "Welfare concerns shared with you" in dashboard and concern.reference in dashboard
    assert AuditEntry.objects.filter(action="welfare_concern.viewed", actor=headteacher).exists()
    # Reading is not handling: no export, no referral.
    assert head.get(reverse("safeguarding:pdf", args=[concern.pk])).status_code == 403
    # A second concern stays closed to them.
    other = services.concern_raise(
        actor=dsl, school=school, person=pupil, category="other", summary="Another worry."
    )
    assert head.get(reverse("safeguarding:detail", args=[other.pk])).status_code == 404
    entry = concern.access_list.get()
    client_for(dsl).post(reverse("safeguarding:access_remove", args=[entry.pk]))
    assert head.get(url).status_code == 404
    assert AuditEntry.objects.filter(action="welfare_concern.access_revoked").exists()


def test_the_headteacher_cannot_raise_a_concern_from_triage(
    headteacher, self_harm_alert, client_for
):
    response = client_for(headteacher).post(
        reverse("safeguarding:concern_from_triage"), {"violation": [self_harm_alert.pk]}
    )
    assert response.status_code == 403
    assert not WelfareConcern.objects.exists()


def test_the_list_of_concerns_is_audited(concern, dsl, client_for):
    assert client_for(dsl).get(reverse("safeguarding:list")).status_code == 200
    assert AuditEntry.objects.filter(action="welfare_concerns.listed", actor=dsl).exists()
