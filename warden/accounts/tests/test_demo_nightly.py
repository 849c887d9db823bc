"""The demo trust, loaded fresh, keeps no live account of a person with a lapsed agreement
once the scheduled work has run (issue "the policies' rules hold by themselves")."""

from __future__ import annotations

import pytest

from warden.accounts.models import Account, AccountState
from warden.accounts.services import is_connected
from warden.agreements.selectors import people_past_grace
from warden.cli import main as warden
from warden.core.models import School
from warden.core.schedule import schedule_tick

pytestmark = pytest.mark.django_db


def test_after_the_nightly_run_nobody_past_the_grace_period_keeps_an_active_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    warden(["demo", "--schools", "2", "--pupils", "30"])
    capsys.readouterr()
    schools = list(School.objects.all())
    lapsed = {school.pk: [p.pk for p, _ in people_past_grace(school)] for school in schools}
    # The demo has people past the grace period with live accounts before the run, so the
    # run has something to do.
    assert Account.objects.filter(
        person__in=[pk for pks in lapsed.values() for pk in pks], state=AccountState.ACTIVE
    ).exists()

    queued = schedule_tick()

    assert "accounts.enforce_agreements" in queued
    for school in schools:
        still = people_past_grace(school)
        live = Account.objects.filter(
            person__in=[p for p, _ in still], state__in=[AccountState.ACTIVE, AccountState.APPROVED]
        ).select_related("person", "system")
        assert [f"{a.person} on {a.system}" for a in live] == []
    # Each account suspended on a system Warden cannot reach waits as a task by hand.
    suspended = Account.objects.filter(
        suspension_reason__startswith="Agreement grace period passed",
        state=AccountState.SUSPENDED,
    )
    assert suspended.exists()
    for account in suspended.select_related("system"):
        assert account.hand_suspensions.filter(done_at=None).exists() != is_connected(
            account.system
        )
