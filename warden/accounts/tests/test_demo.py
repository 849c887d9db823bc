"""The demo loader: the standard catalogue and accounts, quickly and only once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.accounts.demo import CATALOGUE, load
from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.models import AuditEntry
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def test_the_demo_makes_the_standard_systems_and_accounts_once(school):
    today = timezone.localdate()
    PersonFactory.create_batch(3, school=school)
    PupilFactory.create_batch(5, school=school)
    PersonFactory.create(school=school, leaving_date=today + dt.timedelta(days=5))
    PersonFactory.create(school=school, person_type="visitor", leaving_date=today)
    first = load(school=school, today=today, seed=1)
    assert first["systems"] == len(CATALOGUE)
    kinds = set(System.objects.filter(school=school).values_list("kind", flat=True))
    assert {SystemKind.DIRECTORY, SystemKind.EMAIL, SystemKind.SUPPLY, SystemKind.REMOTE} <= kinds
    assert Account.objects.filter(state=AccountState.ACTIVE).count() >= 8 * 3
    assert Account.objects.filter(removal_deadline__isnull=False).exists()
    assert Account.objects.filter(expires_at__isnull=False).exists()
    assert AuditEntry.objects.filter(action="account.created").count() == Account.objects.count()
    again = load(school=school, today=today, seed=1)
    assert again == {"systems": 0}
