"""Suspension on a severe breach is never pre-ticked; choosing it shows the accounts it will
suspend and needs a reason (issue 13, item 3)."""

from __future__ import annotations

import re

from django.urls import reverse

from warden.accounts.models import AccountState
from warden.incidents.models import IncidentKind, Part, Sanction
from warden.incidents.services.incidents import incident_report

from .conftest import active_account


def _breach(dsl, school, pupil):
    return incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Used another pupil's password",
        description="Signed in as a friend to reach blocked games.",
        people=[(pupil, Part.SUBJECT)],
    )


def test_the_suspension_box_is_not_ticked_and_the_page_names_the_accounts(
    school, dsl, pupil, client_for
):
    account = active_account(pupil)
    incident = _breach(dsl, school, pupil)
    page = client_for(dsl).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    (box,) = re.findall(r"<input[^>]*name=\"suspend_accounts\"[^>]*>", page)
    assert "checked" not in box
    assert f"{pupil}: {account.system.name} ({account.username})" in page


def test_recording_severe_without_choosing_suspension_changes_no_account(
    school, dsl, pupil, client_for
):
    account = active_account(pupil)
    incident = _breach(dsl, school, pupil)
    client_for(dsl).post(
        reverse("incidents:severity_set", args=[incident.pk]), {"severity": "severe"}
    )
    incident.refresh_from_db()
    account.refresh_from_db()
    assert incident.severity == "severe"
    assert account.state == AccountState.ACTIVE
    assert not Sanction.objects.exists()


def test_choosing_suspension_needs_a_reason(school, dsl, pupil, client_for):
    account = active_account(pupil)
    incident = _breach(dsl, school, pupil)
    client = client_for(dsl)
    url = reverse("incidents:severity_set", args=[incident.pk])
    refused = client.post(url, {"severity": "severe", "suspend_accounts": "on"}, follow=True)
    assert "accounts must be suspended until the outcome" in refused.content.decode()
    incident.refresh_from_db()
    account.refresh_from_db()
    assert incident.severity == "" and account.state == AccountState.ACTIVE
    client.post(
        url,
        {
            "severity": "severe",
            "suspend_accounts": "on",
            "reason": "Repeated use of another pupil's account after a warning.",
        },
    )
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    sanction = Sanction.objects.get()
    assert "Repeated use of another pupil's account" in sanction.notes


def test_suspension_is_only_for_a_severe_breach(school, dsl, pupil, client_for):
    active_account(pupil)
    incident = _breach(dsl, school, pupil)
    response = client_for(dsl).post(
        reverse("incidents:severity_set", args=[incident.pk]),
        {"severity": "moderate", "suspend_accounts": "on", "reason": "Because."},
        follow=True,
    )
    assert "Accounts are suspended only for a severe breach" in response.content.decode()
    assert not Sanction.objects.exists()
