"""A suspension for a breach holds until the sanction ends (policy duty "Severe breach
suspends access until the outcome", docs/policy-map.md).

The technician's "Re-enable" is refused with the reason while the sanction is in force;
only the DSL or headteacher ending the sanction, with a reason, brings the account back.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from warden.accounts.models import AccountState
from warden.incidents.models import IncidentKind, Part, SanctionKind, SanctionState, Severity
from warden.incidents.services.incidents import incident_report, incident_set_severity

from .conftest import active_account, may_have_access

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def suspended(school, dsl, pupil):
    """A severe breach by the pupil, with their network account suspended until the outcome."""
    with time_machine.travel(MONDAY, tick=False):
        may_have_access(pupil)
        account = active_account(pupil)
        incident = incident_report(
            actor=dsl,
            school=school,
            kind=IncidentKind.MISUSE,
            title="Shared a password",
            description="Gave his password to older pupils.",
            people=[(pupil, Part.SUBJECT)],
        )
        incident_set_severity(
            actor=dsl,
            incident=incident,
            severity=Severity.SEVERE,
            suspend_accounts=True,
            reason="Shared his password with older pupils to reach blocked sites.",
        )
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    return account, incident.sanctions.get(kind=SanctionKind.SUSPENSION)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_technician_cannot_re_enable_an_account_a_sanction_holds(
    suspended, technician, client_for
):
    account, sanction = suspended
    response = client_for(technician).post(
        reverse("accounts:account_reenable", kwargs={"account_pk": account.pk})
    )
    assert response.status_code == 302
    (message,) = _messages(response)
    assert "suspended by an e-safety sanction in force until the outcome" in message
    assert "DSL or headteacher ends the sanction, with a reason" in message
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    sanction.refresh_from_db()
    assert sanction.state == SanctionState.ACTIVE


def test_the_technician_cannot_end_the_sanction(suspended, technician, client_for):
    _account, sanction = suspended
    response = client_for(technician).post(
        reverse("incidents:sanction_end", kwargs={"sanction_pk": sanction.pk}),
        {"reason": "He asked nicely."},
    )
    # Incidents are confidential: to a technician the sanction does not exist.
    assert response.status_code in {403, 404}
    sanction.refresh_from_db()
    assert sanction.state == SanctionState.ACTIVE


def test_ending_the_sanction_needs_a_reason_and_brings_the_account_back(
    suspended, dsl, technician, client_for
):
    account, sanction = suspended
    url = reverse("incidents:sanction_end", kwargs={"sanction_pk": sanction.pk})
    later = time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False)
    with later:
        client_for(dsl).post(url, {"reason": ""})
    sanction.refresh_from_db()
    account.refresh_from_db()
    assert sanction.state == SanctionState.ACTIVE
    assert account.state == AccountState.SUSPENDED

    with later:
        client_for(dsl).post(url, {"reason": "Appeal upheld by the headteacher."})
    sanction.refresh_from_db()
    account.refresh_from_db()
    assert sanction.state == SanctionState.ENDED
    assert account.state == AccountState.ACTIVE


def test_an_account_suspended_for_another_reason_is_re_enabled_as_before(
    school, pupil, technician, client_for
):
    may_have_access(pupil)
    account = active_account(pupil)
    account.state = AccountState.SUSPENDED
    account.suspension_reason = "Locked while the password is reset"
    account.save()
    client_for(technician).post(
        reverse("accounts:account_reenable", kwargs={"account_pk": account.pk})
    )
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
